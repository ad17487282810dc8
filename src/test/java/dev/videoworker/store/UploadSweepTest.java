package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.videoworker.testing.MutableClock;
import dev.videoworker.testing.S3Server;
import io.minio.CreateMultipartUploadArgs;
import io.minio.ListMultipartUploadsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.UploadPartArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.ListMultipartUploadsResult;

/**
 * The start-up sweep of abandoned multipart uploads, against a real S3 server (S3Proxy, which lists uploads with their
 * initiation time) through the MinIO SDK; the worker's clock is moved instead of waiting for uploads to age.
 */
class UploadSweepTest {

    private static final Duration LIMIT = Duration.ofHours(2);

    private static S3Server s3;
    private static MinioAsyncClient minio;

    @BeforeAll
    static void start() {
        s3 = S3Server.start();
        minio = MinioAsyncClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey()).build();
    }

    @AfterAll
    static void stop() throws Exception {
        minio.close();
        s3.close();
    }

    @Test
    void abortsOldUploadsOfTheWorkersKeysAndLeavesOtherKeysAlone() throws Exception {
        String bucket = bucket();
        String video = begin(bucket, "job-1.mp4");
        begin(bucket, "job-2.thumbnail.webp");
        begin(bucket, "job-2.spritesheet.jpg");
        String backup = begin(bucket, "backups/db.tar");
        String otherVideo = begin(bucket, "elsewhere/job-3.mp4");
        minio.uploadPart(UploadPartArgs.builder().bucket(bucket).object("job-1.mp4").uploadId(video).partNumber(1)
                .data(new byte[1024], 1024).build()).get();

        UploadSweep.Swept swept = sweeper(bucket, "{jobId}.mp4", Instant.now().plus(LIMIT).plusSeconds(60)).sweep();

        assertThat(swept.aborted()).as("old uploads of the worker's keys aborted").isEqualTo(3);
        assertThat(swept.foreign()).as("uploads of keys the template cannot make").isEqualTo(2);
        assertThat(uploadIds(bucket)).containsExactlyInAnyOrder(backup, otherVideo);
    }

    @Test
    void leavesUploadsYoungerThanTheLimitAlone() throws Exception {
        String bucket = bucket();
        String live = begin(bucket, "job-1.mp4");

        // A minute short of the limit: another replica may still be sending it.
        UploadSweep.Swept swept = sweeper(bucket, "{jobId}.mp4", Instant.now().plus(LIMIT).minusSeconds(60)).sweep();

        assertThat(swept.aborted()).isZero();
        assertThat(swept.young()).isEqualTo(1);
        assertThat(uploadIds(bucket)).containsExactly(live);
    }

    @Test
    void neverAbortsAnUploadThisWorkerHasOpen() throws Exception {
        String bucket = bucket();
        String mine = begin(bucket, "job-1.mp4");
        OpenUploads open = new OpenUploads(minio);
        assertThat(open.add(new OpenUploads.Upload(bucket, "job-1.mp4", mine))).isTrue();

        UploadSweep.Swept swept = new UploadSweep(minio, open, bucket, "{jobId}.mp4", LIMIT,
                new MutableClock(Instant.now().plus(Duration.ofDays(1)))).sweep();

        assertThat(swept.aborted()).isZero();
        assertThat(uploadIds(bucket)).containsExactly(mine);
    }

    @Test
    void recognisesTheKeysOfATemplateWithAPrefixAndSeveralVariables() throws Exception {
        String bucket = bucket();
        begin(bucket, "campaign/sora-2/job-1.mp4");
        begin(bucket, "campaign/sora-2-pro/job-2.thumbnail.webp");
        String deeper = begin(bucket, "campaign/sora-2/extra/job-3.mp4");
        String outside = begin(bucket, "archive/sora-2/job-4.mp4");
        String otherType = begin(bucket, "campaign/sora-2/job-5.mov");

        UploadSweep.Swept swept = sweeper(bucket, "campaign/{model}/{jobId}.mp4",
                Instant.now().plus(LIMIT).plusSeconds(60)).sweep();

        assertThat(swept.aborted()).isEqualTo(2);
        assertThat(uploadIds(bucket)).containsExactlyInAnyOrder(deeper, outside, otherType);
    }

    @Test
    void aBucketNotMadeYetIsReportedAsNoSuchBucketWhichTheStartLogsAsNothingToSweep() throws Exception {
        UploadSweep sweep = sweeper("never-made-" + UUID.randomUUID().toString().substring(0, 8), "{jobId}.mp4",
                Instant.now());
        assertThatThrownBy(sweep::sweep).isInstanceOf(ErrorResponseException.class)
                .satisfies(e -> assertThat(((ErrorResponseException) e).errorResponse().code())
                        .isEqualTo("NoSuchBucket"));
    }

    @Test
    void worksTheSameOnTheFilesystemStore(@TempDir Path dir) throws Exception {
        // S3Proxy's two stores share their multipart code; the sweep needs the listing with its times from both.
        try (S3Server disk = S3Server.start(dir);
                MinioAsyncClient client = MinioAsyncClient.builder().endpoint(disk.endpoint())
                        .credentials(disk.accessKey(), disk.secretKey()).build()) {
            client.makeBucket(MakeBucketArgs.builder().bucket("videos").build()).get();
            client.createMultipartUpload(CreateMultipartUploadArgs.builder().bucket("videos").object("job-1.mp4")
                    .build()).get();

            UploadSweep.Swept swept = new UploadSweep(client, new OpenUploads(client), "videos", "{jobId}.mp4", LIMIT,
                    new MutableClock(Instant.now().plus(LIMIT).plusSeconds(60))).sweep();

            assertThat(swept.aborted()).isEqualTo(1);
            assertThat(client.listMultipartUploads(ListMultipartUploadsArgs.builder().bucket("videos").build()).get()
                    .result().uploads()).isEmpty();
        }
    }

    private static UploadSweep sweeper(String bucket, String template, Instant now) {
        return new UploadSweep(minio, new OpenUploads(minio), bucket, template, LIMIT, new MutableClock(now));
    }

    private static String bucket() throws Exception {
        String bucket = "sweep-" + UUID.randomUUID().toString().substring(0, 8);
        minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build()).get();
        return bucket;
    }

    private static String begin(String bucket, String key) throws Exception {
        return minio.createMultipartUpload(CreateMultipartUploadArgs.builder().bucket(bucket).object(key).build())
                .get().result().uploadId();
    }

    private static Set<String> uploadIds(String bucket) throws Exception {
        List<ListMultipartUploadsResult.Upload> uploads = minio.listMultipartUploads(
                ListMultipartUploadsArgs.builder().bucket(bucket).build()).get().result().uploads();
        Set<String> ids = new HashSet<>();
        uploads.forEach(u -> ids.add(u.uploadId()));
        return ids;
    }
}

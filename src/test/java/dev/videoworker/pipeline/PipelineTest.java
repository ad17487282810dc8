package dev.videoworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.simulator.Endpoint;
import dev.videoworker.simulator.TestImages;
import dev.videoworker.simulator.VideoSimulator;
import dev.videoworker.testing.DebianTools;
import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The whole pipeline on a real broker, a real S3 server and the simulator over HTTP: request in, status events,
 * stored MP4, one completion.
 */
@QuarkusTest
class PipelineTest extends WorkerTest {

    static final String STATUS = JobsClient.STATUS;
    static final String COMPLETED = JobsClient.COMPLETED;
    static final String DLQ = JobsClient.DLQ;

    @Inject
    ObjectMapper mapper;

    @Inject
    MinioClient minio;

    @Test
    void storesTextToVideoAndReportsEveryStep() throws Exception {
        String jobId = "t2v-" + UUID.randomUUID();
        String prompt = "A golden retriever playing fetch on a sunny beach " + jobId;
        send(jobId, """
                {"model":"sora-2","prompt":"%s","size":"1280x720","seconds":"4",
                 "output":{"key":"campaign-7/{jobId}.mp4"},"metadata":{"campaign":7}}""".formatted(prompt));

        JsonNode completion = awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("succeeded");
        assertThat(completion.path("model").asText()).isEqualTo("sora-2");
        assertThat(completion.path("size").asText()).isEqualTo("1280x720");
        assertThat(completion.path("seconds").asText()).isEqualTo("4");
        assertThat(completion.path("costUsd").decimalValue()).isEqualByComparingTo("0.40");
        assertThat(completion.path("metadata").path("campaign").asInt()).isEqualTo(7);
        assertThat(completion.path("videoId").asText()).startsWith("video_");
        for (String t : List.of("receivedAt", "submittedAt", "generatedAt", "storedAt")) {
            assertThat(completion.path("timings").path(t).asText()).as(t).isNotEmpty();
        }

        JsonNode video = completion.path("video");
        assertThat(video.path("bucket").asText()).isEqualTo("videos");
        assertThat(video.path("key").asText()).isEqualTo("campaign-7/" + jobId + ".mp4");
        assertThat(video.path("uri").asText()).isEqualTo("s3://videos/campaign-7/" + jobId + ".mp4");
        assertThat(video.path("contentType").asText()).isEqualTo("video/mp4");

        Path file = download(video.path("bucket").asText(), video.path("key").asText());
        assertThat(Files.size(file)).isEqualTo(video.path("bytes").asLong());
        assertThat(sha256(file)).isEqualTo(video.path("sha256").asText());
        StatObjectResponse stat = minio.statObject(StatObjectArgs.builder().bucket("videos")
                .object(video.path("key").asText()).build());
        assertThat(stat.contentType()).isEqualTo("video/mp4");
        Map<String, String> userMetadata = new HashMap<>();
        stat.userMetadata().forEach(e -> userMetadata.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        assertThat(userMetadata).containsEntry("job-id", jobId).containsEntry("model", "sora-2")
                .containsEntry("video-id", completion.path("videoId").asText());

        List<String> statuses = statuses(jobId);
        assertThat(statuses.get(0)).isEqualTo("accepted");
        assertThat(statuses).containsSubsequence("accepted", "submitted", "in_progress", "generated", "storing",
                "stored");
        assertThat(statuses.get(statuses.size() - 1)).isEqualTo("stored");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        assertThat(completion.has("actualCostUsd")).as("the simulator reports no cost").isFalse();

        // stored and verified (size and hash above): the provider's copy is deleted (delete-after-store)
        String videoId = completion.path("videoId").asText();
        await().atMost(20, TimeUnit.SECONDS).until(() -> simulator().videos().stream()
                .noneMatch(v -> v.id().equals(videoId)));
        assertThat(simulator().calls(videoId)).extracting(VideoSimulator.Call::endpoint).contains(Endpoint.DELETE);

        // last, as it skips the rest of the test on a machine without ffprobe
        DebianTools.assumeOnPath("ffprobe", "ffmpeg");
        JsonNode probe = ffprobe(file);
        JsonNode stream = probe.path("streams").get(0);
        assertThat(stream.path("codec_name").asText()).isEqualTo("h264");
        assertThat(stream.path("width").asInt()).isEqualTo(1280);
        assertThat(stream.path("height").asInt()).isEqualTo(720);
        assertThat(probe.path("format").path("duration").asDouble()).isBetween(3.5, 4.5);
    }

    @Test
    void announcesStatusesInOrderAsCloudEventsWithoutRepeats() throws Exception {
        String jobId = "order-" + UUID.randomUUID();
        send(jobId, """
                {"prompt":"A lighthouse at dusk %s","metadata":{"team":"events"}}""".formatted(jobId));
        awaitCompletion(jobId);

        List<TopicRecorder.Seen> events = jobs.records(STATUS, jobId);
        List<String> order = List.of("accepted", "submitted", "queued", "in_progress", "generated", "storing",
                "stored");
        int lastRank = -1;
        int lastProgress = -1;
        Set<String> seen = new HashSet<>();
        for (TopicRecorder.Seen event : events) {
            assertThat(event.key()).isEqualTo(jobId);
            assertThat(event.header("ce_specversion")).isEqualTo("1.0");
            assertThat(event.header("ce_type")).isEqualTo("dev.videoworker.video.status");
            assertThat(event.header("ce_source")).isEqualTo("urn:sora-video-worker");
            assertThat(event.header("ce_id")).isNotBlank();
            JsonNode body = mapper.readTree(event.value());
            assertThat(body.path("metadata").path("team").asText()).isEqualTo("events");
            String status = body.path("status").asText();
            int rank = order.indexOf(status);
            assertThat(rank).as("status %s known", status).isGreaterThanOrEqualTo(0);
            assertThat(rank).as("%s after rank %d", status, lastRank).isGreaterThanOrEqualTo(lastRank);
            int progress = body.path("progress").asInt(-1);
            if (status.equals("in_progress")) {
                assertThat(progress).isGreaterThanOrEqualTo(rank == lastRank ? lastProgress : 0);
            }
            assertThat(seen.add(status + "/" + progress)).as("no repeat of %s/%d", status, progress).isTrue();
            lastRank = rank;
            lastProgress = progress;
        }
        assertThat(jobs.statuses(jobId)).last().isEqualTo("stored");
        List<TopicRecorder.Seen> completions = jobs.records(COMPLETED, jobId);
        assertThat(completions).hasSize(1);
        assertThat(completions.get(0).header("ce_type")).isEqualTo("dev.videoworker.video.completed");
    }

    @Test
    void storesImageToVideoFromAnS3Reference() throws Exception {
        String jobId = "i2v-" + UUID.randomUUID();
        String prompt = "The scene comes alive with gentle movement " + jobId;
        byte[] png = TestImages.png(720, 1280);
        ensureBucket("inputs");
        minio.putObject(PutObjectArgs.builder().bucket("inputs").object("refs/" + jobId + ".png")
                .stream(new ByteArrayInputStream(png), (long) png.length, -1L).contentType("image/png").build());
        send(jobId, """
                {"prompt":"%s","size":"720x1280","seconds":4,
                 "inputReference":{"uri":"s3://inputs/refs/%s.png","fit":"exact"},"variants":["thumbnail"]}"""
                .formatted(prompt, jobId));

        JsonNode completion = awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        JsonNode thumbnail = completion.path("variants").path("thumbnail");
        assertThat(thumbnail.path("contentType").asText()).isEqualTo("image/webp");
        Path thumb = download("videos", thumbnail.path("key").asText());
        byte[] head = Files.readAllBytes(thumb);
        assertThat(new String(head, 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WEBP");
    }

    @Test
    void fitsADataUriWebpReferenceToTheRequestedSizeBeforeSubmitting() throws Exception {
        String jobId = "i2v-webp-" + UUID.randomUUID();
        String prompt = "A lantern in the snow " + jobId;
        String uri = "data:image/webp;base64," + Base64.getEncoder().encodeToString(
                TestImages.webp(320, 240));
        send(jobId, """
                {"prompt":"%s","size":"720x1280","inputReference":{"uri":"%s","fit":"contain"}}"""
                .formatted(prompt, uri));

        JsonNode completion = awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
    }

    @Test
    void rejectsAnExactReferenceOfTheWrongSizeWithoutCallingTheProvider() throws Exception {
        String jobId = "i2v-bad-" + UUID.randomUUID();
        String prompt = "Wrong size reference " + jobId;
        byte[] png = TestImages.png(640, 480);
        ensureBucket("inputs");
        minio.putObject(PutObjectArgs.builder().bucket("inputs").object("refs/" + jobId + ".png")
                .stream(new ByteArrayInputStream(png), (long) png.length, -1L).contentType("image/png").build());
        send(jobId, """
                {"prompt":"%s","size":"1280x720","inputReference":{"uri":"s3://inputs/refs/%s.png"}}"""
                .formatted(prompt, jobId));

        JsonNode completion = awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("rejected");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("input_reference_size_mismatch");
        assertThat(completion.path("error").path("message").asText()).contains("640x480").contains("1280x720");
        assertThat(simulator().createCount(prompt)).isZero();
    }

    @Test
    void endsFailedWithTheProvidersMessageWhenModerationBlocksAVideo() throws Exception {
        String jobId = "moderated-" + UUID.randomUUID();
        String prompt = "Something the provider refuses [simulate:moderation] " + jobId;
        send(jobId, "{\"prompt\":\"" + prompt.replace("\"", "\\\"") + "\"}");

        JsonNode completion = awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("failed");
        var failed = simulator().videos().stream().filter(v -> prompt.equals(v.prompt())).findFirst().orElseThrow();
        assertThat(completion.path("videoId").asText()).isEqualTo(failed.id());
        assertThat(completion.path("error").path("code").asText()).isEqualTo(failed.error().code());
        assertThat(completion.path("error").path("message").asText()).isEqualTo(failed.error().message());
        assertThat(completion.path("error").path("retryable").asBoolean()).isFalse();
        assertThat(statuses(jobId)).endsWith("failed");
    }

    @Test
    void rejectsInvalidRequestsWithoutAnyProviderCall() throws Exception {
        int createsBefore = simulator().createCount();
        record Case(String jobId, String body, String code, String field) {
        }
        String p = "\"prompt\":\"invalid case\"";
        List<Case> cases = List.of(
                new Case("bad-model-" + UUID.randomUUID(), "{" + p + ",\"model\":\"sora-3\"}", "unknown_model",
                        "model"),
                new Case("bad-size-" + UUID.randomUUID(), "{" + p + ",\"model\":\"sora-2\",\"size\":\"1792x1024\"}",
                        "unsupported_size", "size"),
                new Case("legacy-10-" + UUID.randomUUID(), "{" + p + ",\"seconds\":\"10\"}", "legacy_seconds",
                        "seconds"),
                new Case("legacy-15-" + UUID.randomUUID(), "{" + p + ",\"seconds\":15}", "legacy_seconds", "seconds"),
                new Case("empty-prompt-" + UUID.randomUUID(), "{\"prompt\":\"\"}", "invalid_prompt", "prompt"),
                new Case("not-json-" + UUID.randomUUID(), "this is not json {", "invalid_json", "$"));
        for (Case c : cases) {
            send(c.jobId(), c.body());
        }
        for (Case c : cases) {
            JsonNode completion = awaitCompletion(c.jobId());
            assertThat(completion.path("outcome").asText()).as(c.jobId()).isEqualTo("rejected");
            assertThat(completion.path("error").path("code").asText()).as(c.jobId()).isEqualTo(c.code());
            assertThat(completion.path("error").path("field").asText()).as(c.jobId()).isEqualTo(c.field());
            assertThat(completion.path("error").path("message").asText()).isNotBlank();
            assertThat(statuses(c.jobId())).containsExactly("rejected");
        }
        String legacyMessage = awaitCompletion(cases.get(2).jobId()).path("error").path("message").asText();
        assertThat(legacyMessage).contains("legacy").contains("4, 8, 12");

        String notJsonId = cases.get(5).jobId();
        await().atMost(30, TimeUnit.SECONDS).until(() -> !jobs.records(DLQ, notJsonId).isEmpty());
        TopicRecorder.Seen dead = jobs.records(DLQ, notJsonId).get(0);
        assertThat(dead.text()).isEqualTo("this is not json {");
        assertThat(dead.header("dead-letter-reason")).contains("not JSON");
        assertThat(simulator().createCount()).isEqualTo(createsBefore);
    }

    @Test
    void rejectsHostileRecordsOnceEachBeforeAnyPaidCall() throws Exception {
        int createsBefore = simulator().createCount();
        String run = UUID.randomUUID().toString();
        record Case(String jobId, String prompt, String code, String detail) {
        }
        List<Case> cases = new ArrayList<>();
        // A record key that is no job id: the rejection is keyed by the record's position instead.
        String rloPrompt = "key with U+202E " + run;
        var rlo = jobs.send("rlo-\u202E-" + run, "{\"prompt\":\"" + rloPrompt + "\"}");
        cases.add(new Case(JobsClient.REQUESTS + "-" + rlo.partition() + "-" + rlo.offset(), rloPrompt,
                "invalid_job_id", "U+202E"));
        String bucketPrompt = "other bucket " + run;
        send("bucket-" + run, "{\"prompt\":\"" + bucketPrompt + "\",\"output\":{\"bucket\":\"other-bucket\"}}");
        cases.add(new Case("bucket-" + run, bucketPrompt, "output_bucket_not_allowed", "only in videos"));
        String keyPrompt = "unknown key variable " + run;
        send("key-var-" + run, "{\"prompt\":\"" + keyPrompt + "\",\"output\":{\"key\":\"{jobId.class.classLoader}\"}}");
        cases.add(new Case("key-var-" + run, keyPrompt, "invalid_object_key", "{jobId}, {videoId}"));
        send("invisible-" + run, "{\"prompt\":\"\u00A0\u3000\u200B\"}");
        cases.add(new Case("invisible-" + run, "\u00A0\u3000\u200B", "invalid_prompt", "U+00A0, U+200B, U+3000"));
        // An overlong '/' (C0 AF) in an otherwise valid request, as kcat sends it.
        String utf8Prompt = "overlong slash " + run;
        byte[] head = ("{\"prompt\":\"" + utf8Prompt).getBytes(StandardCharsets.UTF_8);
        byte[] value = Arrays.copyOf(head, head.length + 4);
        value[head.length] = (byte) 0xC0;
        value[head.length + 1] = (byte) 0xAF;
        value[head.length + 2] = '"';
        value[head.length + 3] = '}';
        jobs.sendBytes("utf8-" + run, value);
        cases.add(new Case("utf8-" + run, utf8Prompt + "/", "invalid_json", "not UTF-8"));

        for (Case c : cases) {
            JsonNode completion = awaitCompletion(c.jobId());
            assertThat(completion.path("outcome").asText()).as(c.jobId()).isEqualTo("rejected");
            assertThat(completion.path("error").path("code").asText()).as(c.jobId()).isEqualTo(c.code());
            assertThat(completion.path("error").path("message").asText()).as(c.jobId()).contains(c.detail());
            assertThat(jobs.records(COMPLETED, c.jobId())).as(c.jobId()).hasSize(1);
            assertThat(simulator().createCount(c.prompt())).as(c.jobId()).isZero();
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> !jobs.records(DLQ, "utf8-" + run).isEmpty());
        assertThat(jobs.records(DLQ, "utf8-" + run).get(0).value()).isEqualTo(value);
        assertThat(simulator().createCount()).isEqualTo(createsBefore);
    }

    @Test
    void neverSubmitsAJobIdTwice() throws Exception {
        String jobId = "twice-" + UUID.randomUUID();
        String prompt = "A paper boat on a stream " + jobId;
        send(jobId, "{\"prompt\":\"" + prompt + "\"}");
        awaitCompletion(jobId);
        send(jobId, "{\"prompt\":\"" + prompt + "\"}");
        await().atMost(30, TimeUnit.SECONDS)
                .until(() -> statuses(jobId).stream().filter("stored"::equals).count() == 2);
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        assertThat(jobs.records(COMPLETED, jobId)).hasSize(1);
    }

    @Test
    void derivesTheJobIdFromTheRecordPositionWhenNothingNamesIt() throws Exception {
        String marker = "no-key-" + UUID.randomUUID();
        var sent = jobs.send(null, "{\"prompt\":\"" + marker + "\",\"seconds\":\"7\"}");
        String jobId = JobsClient.REQUESTS + "-" + sent.partition() + "-" + sent.offset();
        JsonNode completion = awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).isEqualTo("rejected");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("unsupported_seconds");
    }

    @Test
    void rejectsABodyJobIdThatDisagreesWithTheKey() throws Exception {
        String key = "key-" + UUID.randomUUID();
        send(key, "{\"jobId\":\"other\",\"prompt\":\"mismatch\"}");
        JsonNode completion = awaitCompletion(key);
        assertThat(completion.path("error").path("code").asText()).isEqualTo("job_id_mismatch");
    }

    private void send(String key, String value) throws Exception {
        jobs.send(key, value);
    }

    private JsonNode awaitCompletion(String jobId) throws IOException {
        return jobs.awaitCompletion(jobId);
    }

    private List<String> statuses(String jobId) throws IOException {
        return jobs.statuses(jobId);
    }

    private void ensureBucket(String bucket) throws Exception {
        if (!minio.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        }
    }

    private Path download(String bucket, String key) throws Exception {
        Path file = Files.createTempFile("stored-", "-" + key.replace('/', '_'));
        file.toFile().deleteOnExit();
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private JsonNode ffprobe(Path file) throws Exception {
        Process p = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                "stream=codec_name,width,height:format=duration", "-of", "json", file.toString())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(out, StandardCharsets.UTF_8)).isZero();
        return mapper.readTree(out);
    }
}

package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.videoworker.simulator.SyntheticContent;
import dev.videoworker.testing.S3Server;
import io.minio.ByteBuffer;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListMultipartUploadsArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.UploadPartArgs;
import io.minio.UploadPartResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.ListMultipartUploadsResult;

/** The upload path of stored videos, against a real S3 server (S3Proxy) through the MinIO SDK. */
class ObjectUploaderTest {

    private static final int PART = 5 * 1024 * 1024;
    private static final String BUCKET = "uploads";
    private static final Map<String, String> METADATA = Map.of("job-id", "job-1", "model", "sora-2");

    private static S3Server s3;
    private static MinioClient minio;
    private static MinioAsyncClient asyncMinio;
    private static ObjectUploader uploader;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start();
        minio = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey()).build();
        asyncMinio = MinioAsyncClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey())
                .httpClient(MinioClientProducer.storeClient(s3.endpoint()), true).build();
        minio.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
        uploader = new ObjectUploader(asyncMinio, PART, new OpenUploads(asyncMinio));
    }

    @AfterAll
    static void stop() throws Exception {
        minio.close();
        asyncMinio.close();
        s3.close();
    }

    @Test
    void storesStreamsOfEveryLengthAroundThePartBoundariesWithTheirBytesAndMetadata() throws Exception {
        long[] sizes = { 0, 1, ObjectUploader.FIRST_BUFFER - 1, ObjectUploader.FIRST_BUFFER,
                ObjectUploader.FIRST_BUFFER + 1, 3_000_000, PART - 1, PART, PART + 1, 2L * PART, 2L * PART + 7 };
        for (long size : sizes) {
            String key = "sizes/" + size + ".mp4";

            // a stream that hands out odd-sized pieces, as a network body does, hashed as the worker does
            HashingInputStream hashed = new HashingInputStream(new Trickle(SyntheticContent.stream(size)));
            uploader.upload(hashed, BUCKET, key, "video/mp4", METADATA);
            assertThat(hashed.sha256Hex()).as("hash of what was read for %s", key)
                    .isEqualTo(SyntheticContent.sha256(size));

            StatObjectResponse stat = minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build());
            assertThat(stat.size()).as("size of %s", key).isEqualTo(size);
            assertThat(stat.contentType()).as("content type of %s", key).isEqualTo("video/mp4");
            Map<String, String> metadata = new HashMap<>();
            stat.userMetadata().forEach(e -> metadata.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
            assertThat(metadata).as("metadata of %s", key).containsEntry("job-id", "job-1")
                    .containsEntry("model", "sora-2");
            assertThat(sha256Of(key)).as("content of %s", key).isEqualTo(SyntheticContent.sha256(size));
        }
    }

    @Test
    void metadataWithNonAsciiCharactersIsStoredPercentEncodedInBothUploadPaths() throws Exception {
        // A job id may hold any letter; S3 signs header values as sent, so raw non-ASCII never matches the signature.
        String jobId = "caf\u00e9-\u00a0-\u65e5\u672c-100%";
        for (long size : new long[] { 10, PART + 1 }) {
            String key = "metadata/" + size + ".mp4";
            uploader.upload(SyntheticContent.stream(size), BUCKET, key, "video/mp4", Map.of("job-id", jobId));

            StatObjectResponse stat = minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build());
            Map<String, String> metadata = new HashMap<>();
            stat.userMetadata().forEach(e -> metadata.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
            assertThat(metadata.get("job-id")).as("job id of %s", key)
                    .isEqualTo("caf%C3%A9-%C2%A0-%E6%97%A5%E6%9C%AC-100%25");
            assertThat(URLDecoder.decode(metadata.get("job-id"), StandardCharsets.UTF_8))
                    .isEqualTo(jobId);
        }
    }

    @Test
    void aStreamThatFailsInItsSecondPartLeavesNoObjectAndNoUnfinishedUpload() throws Exception {
        String key = "broken/video.mp4";
        InputStream breaksLate = new FailAfter(SyntheticContent.stream(3L * PART), PART + 12_345);

        assertThatThrownBy(() -> uploader.upload(breaksLate, BUCKET, key, "video/mp4", METADATA))
                .isInstanceOf(IOException.class).hasMessageContaining("connection reset");

        assertThatThrownBy(() -> minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build()))
                .isInstanceOf(ErrorResponseException.class);
        assertThat(openUploads("broken/")).as("multipart uploads left open").isEmpty();
    }

    @Test
    void partsAreSentSeveralAtOnceWithinTheParallelismAndTheObjectIsWhole() throws Exception {
        for (long size : new long[] { PART + 1, 3L * PART, 6L * PART + 7 }) {
            String key = "parallel/" + size + ".mp4";
            int parts = (int) ((size + PART - 1) / PART);
            PartGate gated = new PartGate(asyncMinio, parts);
            ObjectUploader parallel = new ObjectUploader(gated, PART, 3, new OpenUploads(gated));

            HashingInputStream hashed = new HashingInputStream(new Trickle(SyntheticContent.stream(size)));
            parallel.upload(hashed, BUCKET, key, "video/mp4", METADATA);

            assertThat(sha256Of(key)).as("content of %s", key).isEqualTo(SyntheticContent.sha256(size));
            assertThat(gated.requested).as("parts of %s, each once", key).hasSize(parts);
            assertThat(gated.mostAtOnce).as("parts of %s in flight at once", key).hasValueBetween(2, 3);
            assertThat(gated.givenAsArrays).as("parts of %s given as one array (OkHttp copies such a part whole "
                    + "before sending it)", key).hasValue(0);
            assertThat(gated.partBuffers).as("part buffers of %s (reused, at most the parallelism)", key)
                    .hasSizeBetween(Math.min(parts, 2), 3);
        }
    }

    @Test
    void aParallelUploadThatFailsInALaterPartWaitsForItsPartsAndLeavesNoUnfinishedUpload() throws Exception {
        String key = "parallel-broken/video.mp4";
        PartGate gated = new PartGate(asyncMinio, 6);
        ObjectUploader parallel = new ObjectUploader(gated, PART, 3, new OpenUploads(gated));
        InputStream breaksLate = new FailAfter(SyntheticContent.stream(6L * PART), 3L * PART + 12_345);

        assertThatThrownBy(() -> parallel.upload(breaksLate, BUCKET, key, "video/mp4", METADATA))
                .isInstanceOf(IOException.class).hasMessageContaining("connection reset");

        assertThat(gated.inFlight).as("parts still being sent after the upload gave up").hasValue(0);
        assertThatThrownBy(() -> minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build()))
                .isInstanceOf(ErrorResponseException.class);
        assertNothingLeftUnder("parallel-broken/");
    }

    /**
     * The store's client, holding each part's answer until the next part was asked for (at most 5 s): a parallel
     * upload must then have two parts in flight, a sequential one would wait out every hold. Counts what it sees.
     */
    static final class PartGate extends MinioAsyncClient {
        final Map<Integer, CompletableFuture<Void>> requested = new ConcurrentHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final AtomicInteger givenAsArrays = new AtomicInteger();
        final Set<ByteBuffer> partBuffers = Collections.synchronizedSet(Collections.newSetFromMap(
                new IdentityHashMap<>()));
        private final int parts;

        PartGate(MinioAsyncClient client, int parts) {
            super(client);
            this.parts = parts;
        }

        private CompletableFuture<Void> asked(int part) {
            return requested.computeIfAbsent(part, p -> new CompletableFuture<>());
        }

        @Override
        public CompletableFuture<UploadPartResponse> uploadPart(UploadPartArgs args) {
            int number = args.partNumber();
            if (args.data() != null) {
                givenAsArrays.incrementAndGet();
            }
            if (args.buffer() != null) {
                partBuffers.add(args.buffer());
            }
            asked(number).complete(null);
            mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            CompletableFuture<Void> next = number < parts ? asked(number + 1).copy()
                    .completeOnTimeout(null, 5, TimeUnit.SECONDS) : CompletableFuture.completedFuture(null);
            return super.uploadPart(args).thenCombine(next, (answer, ignored) -> answer)
                    .whenComplete((answer, failure) -> inFlight.decrementAndGet());
        }
    }

    @Test
    void anUploadWhoseThreadIsInterruptedMidReadIsStillAbortedAndTheInterruptKept() throws Exception {
        // As a blocking read that notices the interrupt: the flag is set and the read gives up.
        String key = "interrupted/read.mp4";
        InputStream interruptedLate = new InterruptAfter(SyntheticContent.stream(3L * PART), PART + 12_345, true);

        try {
            assertThatThrownBy(() -> uploader.upload(interruptedLate, BUCKET, key, "video/mp4", METADATA))
                    .isInstanceOf(InterruptedIOException.class)
                    // an abort that failed or went unanswered is attached to the upload's failure
                    .satisfies(e -> assertThat(e.getSuppressed()).as("failures of the abort").isEmpty());
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag after the upload").isTrue();
        } finally {
            Thread.interrupted();
        }

        assertNothingLeftUnder("interrupted/read");
    }

    @Test
    void anUploadInterruptedWhileWaitingForAPartIsStillAbortedAndTheInterruptKept() throws Exception {
        // The flag is set while the stream still gives bytes: the wait for the part in flight is what notices it, and
        // the abort must not be refused by the same flag.
        String key = "interrupted/wait.mp4";
        InputStream interruptedLate = new InterruptAfter(SyntheticContent.stream(3L * PART), PART + 12_345, false);

        try {
            assertThatThrownBy(() -> uploader.upload(interruptedLate, BUCKET, key, "video/mp4", METADATA))
                    .isInstanceOf(InterruptedIOException.class)
                    // an abort that failed or went unanswered is attached to the upload's failure
                    .satisfies(e -> assertThat(e.getSuppressed()).as("failures of the abort").isEmpty());
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag after the upload").isTrue();
        } finally {
            Thread.interrupted();
        }

        assertNothingLeftUnder("interrupted/wait");
    }

    @Test
    void aShutdownAbortsAnUploadInProgressAndItsUploaderStopsBeforeItsNextPart() throws Exception {
        String key = "shutdown/video.mp4";
        OpenUploads open = new OpenUploads(asyncMinio);
        ObjectUploader stopping = new ObjectUploader(asyncMinio, PART, open);
        CountDownLatch release = new CountDownLatch(1);
        // the provider's download stalls in the second part, as a slow one does when the worker is stopped
        InputStream stalls = new StallAfter(SyntheticContent.stream(3L * PART), PART + 12_345, release);
        CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
            try {
                stopping.upload(stalls, BUCKET, key, "video/mp4", METADATA);
            } catch (IOException | MinioException e) {
                throw new CompletionException(e);
            }
        });
        await("the upload open in the store").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(() -> !openUploads("shutdown/").isEmpty());

        assertThat(open.abortAll(Duration.ofSeconds(10))).as("uploads aborted at shutdown").isEqualTo(1);
        assertThat(openUploads("shutdown/")).as("multipart uploads left open after the shutdown's abort").isEmpty();

        release.countDown();
        assertThatThrownBy(() -> upload.get(20, TimeUnit.SECONDS)).hasRootCauseMessage("the worker is shutting down");
        assertNothingLeftUnder("shutdown/");
    }

    @Test
    void anUploadBegunAfterTheShutdownAbortedTheOthersAbortsItself() throws Exception {
        OpenUploads open = new OpenUploads(asyncMinio);
        open.abortAll(Duration.ofSeconds(1));

        assertThatThrownBy(() -> new ObjectUploader(asyncMinio, PART, open).upload(SyntheticContent.stream(2L * PART),
                BUCKET, "late/video.mp4", "video/mp4", METADATA)).hasMessage("the worker is shutting down");

        assertNothingLeftUnder("late/");
    }

    /**
     * A video smaller than a part is sent in one PUT once it is read; a shutdown that began while it was read (a slow
     * provider) refuses that PUT: the next owner stores the job, and a stopping replica writes no object it will not
     * announce (ScaleOutIT#restartsAnUploadCutShortBySigterm failed when the read ended within the shutdown).
     */
    @Test
    void aSmallVideoReadToItsEndAfterTheShutdownBeganIsNotWritten() throws Exception {
        OpenUploads open = new OpenUploads(asyncMinio);
        open.abortAll(Duration.ofSeconds(1));

        assertThatThrownBy(() -> new ObjectUploader(asyncMinio, PART, open).upload(SyntheticContent.stream(1000),
                BUCKET, "late-small/video.mp4", "video/mp4", METADATA)).hasMessage("the worker is shutting down");

        assertThatThrownBy(() -> minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object("late-small/video.mp4")
                .build())).isInstanceOf(ErrorResponseException.class);
    }

    @Test
    void aStreamThatFailsWithinItsFirstPartWritesNothing() throws Exception {
        String key = "broken/early.mp4";
        InputStream breaksEarly = new FailAfter(SyntheticContent.stream(PART), 100_000);

        assertThatThrownBy(() -> uploader.upload(breaksEarly, BUCKET, key, "video/mp4", METADATA))
                .isInstanceOf(IOException.class);

        assertThatThrownBy(() -> minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build()))
                .isInstanceOf(ErrorResponseException.class);
    }

    @Test
    void theStoreChecksTheHashSentWithASmallVideo() {
        // The hash of a stream that ended is sent along, and S3 verifies the bytes against it: a wrong one is refused.
        HashingInputStream lying = new HashingInputStream(SyntheticContent.stream(1000)) {
            @Override
            String sha256Hex() {
                return SyntheticContent.sha256(999);
            }
        };

        assertThatThrownBy(() -> uploader.upload(lying, BUCKET, "lying/video.mp4", "video/mp4", METADATA))
                .isInstanceOf(ErrorResponseException.class);
    }

    @Test
    void refusesAPartSizeS3WouldRefuse() {
        assertThatThrownBy(() -> new ObjectUploader(asyncMinio, 1024 * 1024, new OpenUploads(asyncMinio)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 MiB");
    }

    private static List<ListMultipartUploadsResult.Upload> openUploads(String prefix) throws Exception {
        return asyncMinio.listMultipartUploads(ListMultipartUploadsArgs.builder().bucket(BUCKET).prefix(prefix)
                .build()).get().result().uploads();
    }

    /** No object and no multipart upload under {@code prefix}. */
    private static void assertNothingLeftUnder(String prefix) throws Exception {
        assertThat(minio.listObjects(ListObjectsArgs.builder().bucket(BUCKET).prefix(prefix).build()))
                .as("objects under %s", prefix).isEmpty();
        assertThat(openUploads(prefix)).as("multipart uploads left open under %s", prefix).isEmpty();
    }

    private static String sha256Of(String key) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (GetObjectResponse in = minio.getObject(GetObjectArgs.builder().bucket(BUCKET).object(key).build())) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Gives at most 10,007 bytes per read. */
    private static final class Trickle extends FilterInputStream {
        Trickle(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 10_007));
        }
    }

    /**
     * Interrupts the reading thread once {@code limit} bytes were read; then fails as an interrupted blocking read
     * does, or, with {@code fail} false, goes on giving bytes.
     */
    private static final class InterruptAfter extends FilterInputStream {
        private final boolean fail;
        private long left;

        InterruptAfter(InputStream in, long limit, boolean fail) {
            super(in);
            this.left = limit;
            this.fail = fail;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                Thread.currentThread().interrupt();
                if (fail) {
                    throw new InterruptedIOException("read interrupted");
                }
                return super.read(b, off, len);
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }
    }

    /** Stops giving bytes after {@code limit} of them until {@code release} opens, as a stalled download does. */
    private static final class StallAfter extends FilterInputStream {
        private final CountDownLatch release;
        private long left;

        StallAfter(InputStream in, long limit, CountDownLatch release) {
            super(in);
            this.left = limit;
            this.release = release;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                try {
                    if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("never released");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("stall interrupted");
                }
                return super.read(b, off, len);
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }
    }

    /** Fails like a dropped connection once {@code limit} bytes were read. */
    private static final class FailAfter extends FilterInputStream {
        private long left;

        FailAfter(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                throw new IOException("connection reset");
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            left -= Math.max(n, 0);
            return n;
        }
    }
}

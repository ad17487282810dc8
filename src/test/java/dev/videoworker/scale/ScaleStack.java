package dev.videoworker.scale;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.videoworker.simulator.MediaFile;
import dev.videoworker.simulator.SimulatorServer;
import dev.videoworker.simulator.SimulatorSettings;
import dev.videoworker.simulator.SyntheticContent;
import dev.videoworker.simulator.VideoVariant;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.S3Server;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;

/**
 * The servers the multi-process tests share within one test class: a Kafka broker, an S3 server and the provider
 * simulator (real servers in the test JVM), with a MinIO client and the hashes the tests compare stored videos with.
 */
final class ScaleStack implements AutoCloseable {

    static final String API_KEY = "sk-FAKE-scale-0000";
    /** Data under target/, not the shared /tmp: a broker whose log directory vanishes halts the whole JVM. */
    static final Path WORK_DIR = Path.of("target", "it-data").toAbsolutePath();

    private final KafkaBroker broker;
    private final S3Server s3;
    private final SimulatorServer provider;
    private final MinioClient minio;
    /** The simulator renders one file per size and duration: hashing it once serves every job that shares it. */
    private final Map<Path, String> contentHashes = new ConcurrentHashMap<>();

    private ScaleStack(KafkaBroker broker, S3Server s3, SimulatorServer provider, MinioClient minio) {
        this.broker = broker;
        this.s3 = s3;
        this.provider = provider;
        this.minio = minio;
    }

    /** Starts the servers; the simulator completes each video {@code generationTime} after its create call. */
    static ScaleStack start(Duration generationTime) throws InterruptedException {
        KafkaBroker broker = KafkaBroker.start(WORK_DIR.resolve("kafka"), true);
        S3Server s3 = S3Server.start();
        SimulatorServer provider = SimulatorServer.start(SimulatorSettings.defaults().withApiKey(API_KEY)
                .withDuration(generationTime).withFps(2).withCacheDir(WORK_DIR.resolve("simulator-media")),
                "127.0.0.1", 0);
        MinioClient minio = MinioClient.builder().endpoint(s3.endpoint()).region("us-east-1")
                .credentials(s3.accessKey(), s3.secretKey()).build();
        return new ScaleStack(broker, s3, provider, minio);
    }

    KafkaBroker broker() {
        return broker;
    }

    S3Server s3() {
        return s3;
    }

    SimulatorServer provider() {
        return provider;
    }

    MinioClient minio() {
        return minio;
    }

    /** Whether anything is stored under {@code bucket/key} (a missing bucket counts as nothing stored). */
    boolean objectExists(String bucket, String key) throws Exception {
        try {
            minio.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            return true;
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if ("NoSuchKey".equals(code) || "NoSuchBucket".equals(code) || "NoSuchObject".equals(code)) {
                return false;
            }
            throw e;
        }
    }

    /** The sha256 of the bytes stored under {@code bucket/key}, read back through the S3 API. */
    String objectSha256(String bucket, String key) throws Exception {
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            return sha256(in);
        }
    }

    /** The sha256 of what the simulator serves as the video of {@code videoId}: what a stored object must match. */
    String contentSha256(String videoId) throws Exception {
        OptionalLong synthetic = provider.simulator().syntheticContentBytes(videoId, VideoVariant.VIDEO);
        if (synthetic.isPresent()) {
            // [simulate:content-bytes=N]: generated while sent, never a file
            return SyntheticContent.sha256(synthetic.getAsLong());
        }
        MediaFile file = provider.simulator().content(videoId, VideoVariant.VIDEO).toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
        String known = contentHashes.get(file.path());
        if (known != null) {
            return known;
        }
        try (InputStream in = Files.newInputStream(file.path())) {
            String hash = sha256(in);
            contentHashes.put(file.path(), hash);
            return hash;
        }
    }

    private static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) > 0;) {
            digest.update(buffer, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Stops the servers, client first; stop every worker process before, or it spins on reconnects. */
    @Override
    public void close() throws Exception {
        try (KafkaBroker b = broker; S3Server s = s3; SimulatorServer p = provider; MinioClient m = minio) {
            // try-with-resources closes them in reverse order: MinIO client, simulator, S3, broker
        }
    }
}

package dev.videoworker.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.MinioException;

/** Proves the in-JVM S3Proxy serves everything the worker's storage stage does through the MinIO SDK. */
class S3ServerTest {

    private static final long PART_SIZE = 8L * 1024 * 1024;
    private static final int OBJECT_BYTES = 20 * 1024 * 1024 + 12345;

    private static S3Server s3;
    private static MinioClient minio;

    @BeforeAll
    static void startServer() {
        s3 = S3Server.start();
        minio = MinioClient.builder()
                .endpoint(s3.endpoint())
                .region("us-east-1")
                .credentials(s3.accessKey(), s3.secretKey())
                .build();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (minio != null) {
            minio.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void unknownLengthMultipartUploadRoundTripsWithMetadataAndPresignedUrl() throws Exception {
        String bucket = "videos-roundtrip";
        String key = "campaign-7/clip-1.mp4";
        assertFalse(minio.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
        minio.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        assertTrue(minio.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));

        byte[] content = new byte[OBJECT_BYTES];
        new Random(42).nextBytes(content);
        byte[] expectedSha = sha256(content);

        // A stream of unknown length, as the store stage gets from GET /content, forces a multipart upload.
        try (InputStream in = new UnknownLengthStream(content)) {
            minio.putObject(PutObjectArgs.builder()
                    .bucket(bucket)
                    .object(key)
                    .stream(in, -1L, PART_SIZE)
                    .contentType("video/mp4")
                    .userMetadata(Map.of("job-id", "campaign-7-clip-1", "video-id", "video_123"))
                    .build());
        }

        StatObjectResponse stat = minio.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
        assertEquals(OBJECT_BYTES, stat.size());
        assertEquals("video/mp4", stat.contentType());
        assertEquals("campaign-7-clip-1", stat.userMetadata().getFirst("job-id"));
        assertEquals("video_123", stat.userMetadata().getFirst("video-id"));

        try (GetObjectResponse object = minio.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            assertArrayEquals(expectedSha, sha256(object));
        }

        String url = minio.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                .method(Http.Method.GET).bucket(bucket).object(key).expiry(10, TimeUnit.MINUTES).build());
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<InputStream> response =
                http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        try (InputStream body = response.body()) {
            assertArrayEquals(expectedSha, sha256(body));
        }
    }

    @Test
    void rejectsWrongCredentials() throws Exception {
        try (MinioClient intruder = MinioClient.builder()
                .endpoint(s3.endpoint())
                .region("us-east-1")
                .credentials(s3.accessKey(), "not-the-secret-FAKE")
                .build()) {
            assertThrows(MinioException.class,
                    () -> intruder.makeBucket(MakeBucketArgs.builder().bucket("intruder-bucket").build()));
        }
    }

    private static byte[] sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static byte[] sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
            digesting.transferTo(OutputStream.nullOutputStream());
        }
        return digest.digest();
    }

    /** Serves bytes in small uneven reads and never reports how many remain, like a network body. */
    private static final class UnknownLengthStream extends InputStream {
        private final byte[] data;
        private int position;

        UnknownLengthStream(byte[] data) {
            this.data = data;
        }

        @Override
        public int read() {
            return position < data.length ? data[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(length, 65_537), data.length - position);
            System.arraycopy(data, position, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return 0;
        }
    }
}

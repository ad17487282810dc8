package dev.videoworker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * A real S3-compatible server (S3Proxy) inside the current JVM on a free loopback port, with fake credentials.
 *
 * <p>The worker reaches it through the MinIO SDK exactly as it would reach MinIO or AWS S3, with request signing
 * checked. An instance either owns the server it started or is a handle to one started elsewhere in the JVM
 * (see {@link #attach}), in which case {@link #close()} leaves it running.
 */
public final class S3Server implements AutoCloseable {

    /** Obviously fake credentials: they only open this throw-away server. */
    public static final String ACCESS_KEY = "test-access-FAKE";
    public static final String SECRET_KEY = "test-secret-FAKE-do-not-use";

    private final String endpoint;
    private final String accessKey;
    private final String secretKey;
    private final S3Proxy proxy;

    private S3Server(String endpoint, String accessKey, String secretKey, S3Proxy proxy) {
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.proxy = proxy;
    }

    /** Starts a server that keeps objects in memory; they vanish on {@link #close()}. */
    public static S3Server start() {
        return start(new TransientNio2BlobStore());
    }

    /** Starts a server that keeps buckets as directories under {@code dataDir}, so objects survive a restart. */
    public static S3Server start(Path dataDir) {
        return start(dataDir, Ports.free());
    }

    /** As {@link #start(Path)}, on {@code port} (a server started for another process, e.g. the benchmark's). */
    public static S3Server start(Path dataDir, int port) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(new FilesystemNio2BlobStore(dataDir.toAbsolutePath().toString()), port);
    }

    /** A handle on a server started elsewhere in this JVM (possibly by another class loader); close() is a no-op. */
    public static S3Server attach(String endpoint, String accessKey, String secretKey) {
        return new S3Server(endpoint, accessKey, secretKey, null);
    }

    private static S3Server start(BlobStore blobStore) {
        return start(blobStore, Ports.free());
    }

    private static S3Server start(BlobStore blobStore, int port) {
        QuietLogs.apply();
        String endpoint = "http://127.0.0.1:" + port;
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create(endpoint))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start on " + endpoint, e);
        }
        return new S3Server(endpoint, ACCESS_KEY, SECRET_KEY, proxy);
    }

    /** Base URL for S3 clients, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return endpoint;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    @Override
    public void close() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        }
    }
}

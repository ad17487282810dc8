package dev.videoworker.bench;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import dev.videoworker.log.UnconfiguredLogging;
import dev.videoworker.testing.S3Server;

/**
 * S3Proxy with a filesystem blob store as a process of its own, as the benchmark runs it: {@code S3ProxyMain <port>
 * <data-dir>}. The credentials are the test server's obvious fakes; it runs until the process is stopped.
 */
public final class S3ProxyMain {

    private S3ProxyMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        // Jetty logs through SLF4J: with the log manager unconfigured it formatted every DEBUG and TRACE line, most of
        // S3Proxy's CPU until 2026-12-06 (docs/benchmarks.md)
        UnconfiguredLogging.infoAndAbove();
        S3Server server = S3Server.start(Path.of(args[1]), Integer.parseInt(args[0]));
        System.out.println("S3Proxy listening on " + server.endpoint());
        new CountDownLatch(1).await();
    }
}

package dev.videoworker.testing;

import java.util.function.Supplier;

/**
 * The JVM's one Kafka broker and one S3 server for tests, always reached through the system class loader.
 *
 * <p>Quarkus loads test classes (and test resources) in a class loader per application, each with its own statics,
 * and closes it when the application stops. Keeping the servers and their shutdown hook in the system class loader
 * gives one instance per JVM and a hook whose classes are still loadable when the JVM exits. Only strings cross the
 * class-loader boundary; callers use {@link KafkaBroker#attach} and {@link S3Server#attach} handles.
 */
public final class SharedServers {

    private static KafkaBroker broker;
    private static S3Server s3;
    private static TcpProxy s3Proxy;

    private SharedServers() {
    }

    /** Starts the broker and creates the worker's topics on first call; returns its bootstrap servers. */
    public static synchronized String kafkaBootstrapServers() {
        if (broker == null) {
            KafkaBroker started = withOwnContextClassLoader(KafkaBroker::start);
            withOwnContextClassLoader(() -> {
                WorkerTopics.create(started);
                return started;
            });
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "kafka-broker-stop"));
            broker = started;
        }
        return broker.bootstrapServers();
    }

    /** Starts the S3 server on first call; returns its endpoint (credentials are {@link S3Server}'s fake constants). */
    public static synchronized String s3Endpoint() {
        if (s3 == null) {
            S3Server started = withOwnContextClassLoader(S3Server::start);
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "s3-server-stop"));
            s3 = started;
        }
        return s3.endpoint();
    }

    /** A cuttable proxy in front of the shared S3 server, started on first call; returns its endpoint. */
    public static synchronized String s3ProxyEndpoint() {
        String direct = s3Endpoint();
        if (s3Proxy == null) {
            java.net.URI uri = java.net.URI.create(direct);
            s3Proxy = TcpProxy.to(uri.getHost(), uri.getPort());
        }
        return "http://127.0.0.1:" + s3Proxy.port();
    }

    /** Takes the S3 server away from clients of {@link #s3ProxyEndpoint()} (true), or brings it back (false). */
    public static synchronized void s3ProxyCut(Boolean cut) {
        if (s3Proxy != null) {
            if (cut) {
                s3Proxy.cut();
            } else {
                s3Proxy.restore();
            }
        }
    }

    /**
     * Kafka and S3Proxy load plugins through the thread's context class loader, and their threads inherit it; a
     * Quarkus loader there would hand them classes that do not match their own.
     */
    private static <T> T withOwnContextClassLoader(Supplier<T> action) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(SharedServers.class.getClassLoader());
        try {
            return action.get();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}

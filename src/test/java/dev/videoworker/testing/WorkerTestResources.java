package dev.videoworker.testing;

import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Gives {@code @QuarkusTest}s a real Kafka broker, a real S3 server and the embedded Videos API simulator.
 *
 * <p>Use with {@code @QuarkusTestResource(WorkerTestResources.class)} (or {@code @WithTestResource}). One broker and
 * one S3 server serve the whole JVM: starting them per test class would cost seconds each time, and Quarkus may
 * restart the application between classes. They are therefore never stopped by {@link #stop()} (another application
 * instance may still be connected, and clients of a vanished broker spin on reconnects) but by a JVM shutdown hook,
 * which runs after JUnit has closed every application.
 *
 * <p>The servers themselves live in {@link SharedServers}, loaded by the system class loader; see there why.
 */
public final class WorkerTestResources implements QuarkusTestResourceLifecycleManager {

    /** Fake key shared by the worker's provider client and the embedded simulator. */
    public static final String PROVIDER_API_KEY = "sk-FAKE-test-0000";
    /** A test profile's path of the simulated API after the host, e.g. {@code /together}; unset: none. */
    public static final String PROVIDER_PATH = "test.provider-path";

    private static KafkaBroker broker;
    private static S3Server s3;

    @Override
    public Map<String, String> start() {
        KafkaBroker kafka = broker();
        S3Server storage = s3();
        int httpPort = Ports.free();

        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        config.put("worker.storage.endpoint", storage.endpoint());
        config.put("worker.storage.access-key", storage.accessKey());
        config.put("worker.storage.secret-key", storage.secretKey());
        config.put("quarkus.http.test-port", String.valueOf(httpPort));
        // The embedded simulator answers on the application's own HTTP port; a profile may add the path of another
        // dialect's API there (PROVIDER_PATH), as it cannot know the port.
        config.put("worker.provider.base-url", "http://127.0.0.1:" + httpPort + "${" + PROVIDER_PATH + ":}");
        config.put("worker.provider.api-key", PROVIDER_API_KEY);
        config.put("simulator.enabled", "true");
        config.put("simulator.api-key", PROVIDER_API_KEY);
        config.put("simulator.duration", "PT3S");
        config.put("simulator.fps", "2");
        // The broker and S3Proxy log through the application's log manager; their INFO output drowns the test's.
        for (String category : new String[] {"kafka", "org.apache.kafka", "state.change.logger", "org.gaul.s3proxy",
                "org.eclipse.jetty"}) {
            config.put("quarkus.log.category.\"" + category + "\".level", "WARN");
        }
        return config;
    }

    /** Leaves the shared servers running; see the class comment. */
    @Override
    public void stop() {
        // intentionally empty
    }

    /** The JVM's shared broker, started on first use (also from plain JUnit tests); the worker's topics exist. */
    public static synchronized KafkaBroker broker() {
        if (broker == null) {
            broker = KafkaBroker.attach((String) callShared("kafkaBootstrapServers"));
        }
        return broker;
    }

    /** The JVM's shared S3 server, started on first use. */
    public static synchronized S3Server s3() {
        if (s3 == null) {
            s3 = S3Server.attach((String) callShared("s3Endpoint"), S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
        }
        return s3;
    }

    /** The endpoint of a proxy in front of the shared S3 server that {@link #cutStorage} can take away. */
    public static String cuttableStorageEndpoint() {
        return (String) callShared("s3ProxyEndpoint");
    }

    /** Cuts (true) or restores (false) the storage behind {@link #cuttableStorageEndpoint()}. */
    public static void cutStorage(boolean cut) {
        try {
            Class.forName(SharedServers.class.getName(), true, ClassLoader.getSystemClassLoader())
                    .getMethod("s3ProxyCut", Boolean.class).invoke(null, cut);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object callShared(String method) {
        Class<?> shared;
        try {
            shared = Class.forName(SharedServers.class.getName(), true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            // Test classes not on the system class path (some IDE runners): one instance per loader is all we can do.
            shared = SharedServers.class;
        }
        try {
            return shared.getMethod(method).invoke(null);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("could not start the shared test servers", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}

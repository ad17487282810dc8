package dev.videoworker.testing;

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
 * <p>Quarkus may load this class in more than one class loader, each with its own statics, so the addresses of the
 * running servers are published in system properties and later loaders attach to them instead of starting more.
 */
public final class WorkerTestResources implements QuarkusTestResourceLifecycleManager {

    /** Fake key shared by the worker's provider client and the embedded simulator. */
    public static final String PROVIDER_API_KEY = "sk-test-FAKE-provider-key-0000";

    private static final String KAFKA_PROPERTY = "videoworker.testing.kafka.bootstrap-servers";
    private static final String S3_PROPERTY = "videoworker.testing.s3.endpoint";

    /** Interned literals are one object JVM-wide, so this lock holds across class loaders. */
    private static final Object JVM_LOCK = "dev.videoworker.testing.WorkerTestResources.lock";

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
        // The embedded simulator answers on the application's own HTTP port.
        config.put("worker.provider.base-url", "http://127.0.0.1:" + httpPort);
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

    /** The JVM's shared broker, started on first use (also usable from plain JUnit tests); its topics exist. */
    public static KafkaBroker broker() {
        synchronized (JVM_LOCK) {
            if (broker == null) {
                String running = System.getProperty(KAFKA_PROPERTY);
                if (running != null) {
                    broker = KafkaBroker.attach(running);
                } else {
                    KafkaBroker started = KafkaBroker.start();
                    WorkerTopics.create(started);
                    Runtime.getRuntime().addShutdownHook(new Thread(started::close, "kafka-broker-stop"));
                    System.setProperty(KAFKA_PROPERTY, started.bootstrapServers());
                    broker = started;
                }
            }
            return broker;
        }
    }

    /** The JVM's shared S3 server, started on first use. */
    public static S3Server s3() {
        synchronized (JVM_LOCK) {
            if (s3 == null) {
                String running = System.getProperty(S3_PROPERTY);
                if (running != null) {
                    s3 = S3Server.attach(running, S3Server.ACCESS_KEY, S3Server.SECRET_KEY);
                } else {
                    S3Server started = S3Server.start();
                    Runtime.getRuntime().addShutdownHook(new Thread(started::close, "s3-server-stop"));
                    System.setProperty(S3_PROPERTY, started.endpoint());
                    s3 = started;
                }
            }
            return s3;
        }
    }
}

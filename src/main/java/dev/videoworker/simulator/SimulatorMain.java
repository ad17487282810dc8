package dev.videoworker.simulator;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

import org.jboss.logging.Logger;

import dev.videoworker.log.UnconfiguredLogging;

/**
 * Runs the simulator as its own process, for the local stack and benchmarks. Settings come from system properties
 * ({@code -Dsimulator.api-key=...}) or environment variables ({@code SIMULATOR_API_KEY}); the property wins.
 *
 * <pre>
 * java -Dsimulator.port=8090 -Dsimulator.api-key=sk-sim -Dsimulator.duration=PT10S \
 *   -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*' \
 *   dev.videoworker.simulator.SimulatorMain
 * </pre>
 */
public final class SimulatorMain {

    static final int DEFAULT_PORT = 8090;
    static final String DEFAULT_HOST = "0.0.0.0";

    private SimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        // Outside Quarkus nobody configures the JBoss log manager, so log through plain JUL (INFO to stderr) on one
        // line; both must be set before the first logger exists.
        if (System.getProperty("org.jboss.logging.provider") == null) {
            System.setProperty("org.jboss.logging.provider", "jdk");
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format",
                    "%1$tF %1$tT,%1$tL %4$-5s [%3$s] %5$s%6$s%n");
        }
        // Netty logs through SLF4J to the (unconfigured) JBoss log manager: without this it builds every DEBUG line.
        UnconfiguredLogging.infoAndAbove();
        Logger log = Logger.getLogger(SimulatorMain.class);
        Function<String, String> lookup = SimulatorMain::setting;
        SimulatorSettings settings = SimulatorSettings.fromLookup(lookup);
        String host = orDefault(lookup.apply("host"), DEFAULT_HOST);
        int port = Integer.parseInt(orDefault(lookup.apply("port"), String.valueOf(DEFAULT_PORT)).trim());
        if (settings.apiKey().isEmpty()) {
            log.warn("simulator.api-key (SIMULATOR_API_KEY) is not set: every request will be answered 401");
        }

        SimulatorServer server = SimulatorServer.start(settings, host, port);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and Ctrl-C run shutdown hooks: stop serving and remove temporary media before the JVM exits
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping the Videos API simulator");
            server.close();
            stopped.countDown();
        }, "simulator-shutdown"));
        log.infof("Videos API simulator listening on %s/v1/videos (%s)", server.baseUrl(), settings);
        stopped.await();
    }

    /** {@code simulator.<key>} from system properties, else {@code SIMULATOR_<KEY>} from the environment. */
    static String setting(String key) {
        String property = System.getProperty("simulator." + key);
        if (property != null) {
            return property;
        }
        return System.getenv("SIMULATOR_" + key.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_'));
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}

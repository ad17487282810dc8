package dev.videoworker.log;

import java.util.logging.Level;

import org.jboss.logmanager.LogContext;

/**
 * For a JVM that runs without Quarkus (the standalone simulator, the benchmark's servers): nobody configures the JBoss
 * log manager there, and its root logger then lets every level through ({@code ALL}), so each library that logs
 * through SLF4J (Netty, Jetty, Kafka) builds its DEBUG and TRACE messages, which no handler prints. Found by profiling
 * the benchmark's S3Proxy: its Jetty spent most of its CPU formatting buffers into debug lines nobody saw.
 */
public final class UnconfiguredLogging {

    private UnconfiguredLogging() {
    }

    /** The root logger of this JVM's log context at INFO: levels set for single categories stay as they are. */
    public static void infoAndAbove() {
        infoAndAbove(LogContext.getLogContext());
    }

    static void infoAndAbove(LogContext context) {
        context.getLogger("").setLevel(Level.INFO);
    }
}

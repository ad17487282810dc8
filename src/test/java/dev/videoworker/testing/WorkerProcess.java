package dev.videoworker.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One replica of the packaged worker ({@code target/quarkus-app/quarkus-run.jar}) running as a child process, so a
 * test can kill it the way an orchestrator or a crash does: SIGKILL without warning, or SIGTERM with a clean shutdown.
 *
 * <p>Configuration goes in as {@code -D} system properties; console output (the worker's log) goes to
 * {@code target/it-logs/<name>.log}.
 */
public final class WorkerProcess implements AutoCloseable {

    /** The packaged application, relative to the module directory in which Maven runs the tests. */
    public static final Path APP_JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    public static final Path LOG_DIR = Path.of("target", "it-logs");

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final Map<String, String> config;
    private final Process process;
    private final int httpPort;
    private final Path logFile;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private WorkerProcess(String name, Map<String, String> config, Process process, int httpPort, Path logFile) {
        this.name = name;
        this.config = config;
        this.process = process;
        this.httpPort = httpPort;
        this.logFile = logFile;
    }

    /**
     * Starts a replica on a free HTTP port. {@code config} holds the worker's settings ({@code kafka.bootstrap.servers},
     * {@code worker.*}, ...); it may not set {@code quarkus.http.port}.
     */
    public static WorkerProcess start(String name, Map<String, String> config) {
        return launch(name, Map.copyOf(config), false);
    }

    /** As {@link #start(String, Map)}, with a maximum heap other than the usual 256 MiB (e.g. {@code "64m"}). */
    public static WorkerProcess start(String name, Map<String, String> config, String maxHeap) {
        Map<String, String> withHeap = new LinkedHashMap<>(config);
        withHeap.put(MAX_HEAP, maxHeap);
        return launch(name, Map.copyOf(withHeap), false);
    }

    /** A setting of this launcher, not of the worker: the JVM's -Xmx. */
    private static final String MAX_HEAP = "test.worker-process.max-heap";

    /**
     * Starts a new process with this replica's name and configuration, as an orchestrator replaces a dead pod; its
     * output is appended to the same log, after a line that marks the restart. Kill or stop this one first.
     */
    public WorkerProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("worker " + name + " is still running");
        }
        return launch(name, config, true);
    }

    private static WorkerProcess launch(String name, Map<String, String> config, boolean append) {
        Path jar = APP_JAR.toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: package the application first (./mvnw package)");
        }
        int port = Ports.free();
        Map<String, String> settings = new LinkedHashMap<>(config);
        settings.put("quarkus.http.port", String.valueOf(port));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + settings.getOrDefault(MAX_HEAP, "256m"));
        // as in the container image: a replica out of memory exits, it does not limp on
        command.add("-XX:+ExitOnOutOfMemoryError");
        settings.remove(MAX_HEAP);
        settings.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());
        try {
            Files.createDirectories(LOG_DIR);
            Path log = LOG_DIR.resolve(name + ".log").toAbsolutePath();
            if (append) {
                Files.writeString(log, "=== " + Instant.now() + " restarted " + name + " ===" + System.lineSeparator(),
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(append ? Redirect.appendTo(log.toFile()) : Redirect.to(log.toFile()))
                    .start();
            // A test JVM that ends abruptly (System.exit, a halted broker) never reaches its @AfterEach: without this
            // the replica would outlive it and keep hammering a dead broker.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop-worker-" + name));
            return new WorkerProcess(name, config, process, port, log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start worker " + name, e);
        }
    }

    /** Waits until the replica reports ready (Kafka connected, topics checked); fails early if it died. */
    public WorkerProcess awaitReady() {
        URI ready = URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready");
        await("worker " + name + " ready (log: " + logFile + ")")
                .atMost(READY_TIMEOUT)
                .pollInterval(Duration.ofMillis(250))
                .failFast("worker " + name + " exited; see " + logFile, () -> !process.isAlive())
                .until(() -> status(ready) == 200);
        return this;
    }

    /** SIGKILL: the replica stops at whatever instruction it was on, with no shutdown hook. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGTERM: asks the replica to shut down as an orchestrator does, waits up to {@code timeout} and returns the exit
     * code, or -1 if it is still running then (it is left running; {@link #close()} kills it).
     */
    public int terminate(Duration timeout) {
        process.destroy();
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The process id, for the test's log of what it killed. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    /** Kills the replica if it is still running: tests call this before stopping the broker it talks to. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /** An address on this replica's HTTP port ({@code path} starts with a slash). */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    /** {@code DELETE /jobs/{jobId}} on this replica: its HTTP status, or -1 when it did not answer (dead, starting). */
    public int cancel(String jobId) {
        return status(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/jobs/" + jobId))
                .timeout(Duration.ofSeconds(5)).DELETE().build());
    }

    private int status(URI uri) {
        return status(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build());
    }

    /** The answer's HTTP status, or -1 when there was none. */
    private int status(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}

package dev.videoworker.start;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.videoworker.testing.ImageOptions;
import dev.videoworker.testing.Ports;
import dev.videoworker.testing.WorkerProcess;

/**
 * The image's class-data archive, made and used as the image makes and uses it: {@code entrypoint.sh cds-archive} on a
 * copy of the packaged application (one start of the whole worker without a broker, with the image's JVM options),
 * then {@code entrypoint.sh worker} on the same copy, which must take its classes from that archive.
 */
class ClassDataArchiveIT {

    private static final String API_KEY = "sk-FAKE-cds-archive-it";
    private static final String S3_SECRET = "FAKE-s3-secret-cds-archive-it";
    private static final Path ENTRYPOINT = Path.of("src/main/docker/entrypoint.sh").toAbsolutePath();

    @TempDir
    static Path dir;
    static Path app;

    @BeforeAll
    static void copyThePackagedApplication() throws IOException {
        Path packaged = WorkerProcess.APP_JAR.toAbsolutePath().getParent();
        app = dir.resolve("deployments");
        try (Stream<Path> files = Files.walk(packaged)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = app.resolve(packaged.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else if (!file.getFileName().toString().equals("app-cds.jsa")) {
                    Files.copy(file, target);
                }
            }
        }
    }

    @Test
    void theArchiveIsMadeWithoutABrokerAndTheWorkerStartsFromIt() throws Exception {
        Path archive = app.resolve("app-cds.jsa");
        Run training = run("cds-archive", ImageOptions.javaOpts(), "", 180);

        assertThat(training.exit).as("cds-archive's exit; output:\n%s", training.output).isZero();
        assertThat(archive).isRegularFile();
        assertThat(Files.size(archive)).as("archive bytes").isGreaterThan(20L * 1024 * 1024);
        Matcher summary = Pattern.compile("class-data training: (\\d+) of (\\d+) endpoint requests answered.*, "
                + "(\\d+) logged classes linked; exiting").matcher(training.output);
        assertThat(summary.find()).as("the training's summary in:\n%s", training.output).isTrue();
        // all but readiness, which waits for the broker
        assertThat(Integer.parseInt(summary.group(1))).as("endpoints answered").isGreaterThanOrEqualTo(5);
        assertThat(Integer.parseInt(summary.group(3))).as("classes linked").isGreaterThan(3000);
        assertThat(training.output).doesNotContain(API_KEY).doesNotContain(S3_SECRET);

        // The worker as the image starts it, asked to exit on its own (the training mode) and to log its classes.
        Path classes = dir.resolve("worker-classes.log");
        Run worker = run("worker", ImageOptions.javaOpts(), "-Xlog:class+load=info:file=" + classes
                + " -Dworker.class-data-training.enabled=true -Dworker.class-data-training.duration=1s "
                + "-Dkafka.bootstrap.servers=127.0.0.1:9 -Dworker.storage.endpoint=http://127.0.0.1:9 "
                + "-Dworker.provider.base-url=http://127.0.0.1:9", 120);

        assertThat(worker.exit).as("worker's exit; output:\n%s", worker.output).isZero();
        List<String> loaded = Files.readAllLines(classes);
        long fromArchive = loaded.stream().filter(l -> l.endsWith("source: shared objects file (top)")).count();
        assertThat(fromArchive).as("classes the worker took from the archive (of %d)", loaded.size())
                .isGreaterThan(5000);
        assertThat(loaded).anyMatch(l -> l.contains(" org.apache.kafka.clients.consumer.KafkaConsumer source: "
                + "shared objects file (top)"));
        assertThat(loaded).anyMatch(l -> l.contains(" dev.videoworker.journal.TopicSetup source: "
                + "shared objects file (top)"));
    }

    @Test
    void trainingIsRefusedWhenSomethingListensAtTheBootstrapServers() throws Exception {
        try (ServerSocket broker = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Run refused = run("worker", "-XX:+UseParallelGC", "-Dworker.class-data-training.enabled=true "
                    + "-Dkafka.bootstrap.servers=127.0.0.1:" + broker.getLocalPort(), 120);

            assertThat(refused.exit).as("exit; output:\n%s", refused.output).isNotZero();
            assertThat(refused.output).contains("127.0.0.1:" + broker.getLocalPort()
                    + " (kafka.bootstrap.servers) accepts connections");
        }
    }

    private record Run(int exit, String output) {
    }

    private static Run run(String mode, String javaOpts, String javaOptsAppend, int timeoutSeconds)
            throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, mode, ".log");
        ProcessBuilder builder = new ProcessBuilder("bash", ENTRYPOINT.toString(), mode).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.put("APP_DIR", app.toString());
        env.put("JAVA_OPTS", javaOpts);
        env.put("JAVA_OPTS_APPEND", javaOptsAppend);
        env.put("PORT", String.valueOf(Ports.free()));
        env.put("SORA_API_KEY", API_KEY);
        env.put("S3_ACCESS_KEY", "FAKE-s3-access-cds-archive-it");
        env.put("S3_SECRET_KEY", S3_SECRET);
        env.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + env.getOrDefault("PATH", ""));
        Process process = builder.start();
        try {
            assertThat(process.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s exits within %d s; output:\n%s",
                    mode, timeoutSeconds, Files.readString(output)).isTrue();
        } finally {
            // In cds-archive mode bash waits for its JVM rather than becoming it: stop both.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        return new Run(process.exitValue(), Files.readString(output));
    }
}

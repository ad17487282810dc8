package dev.videoworker.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.log.UnconfiguredLogging;
import io.minio.DownloadObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.Http;
import io.minio.MinioClient;

/**
 * The one-command local stack behind {@code ./run-local.sh}: a Kafka broker and an S3 server in this JVM, the worker
 * as a separate process, one sample job, and its events and stored video shown on the console.
 *
 * <p>Runs until Ctrl-C or SIGTERM, then stops the worker first and the servers after it (a worker whose broker
 * vanished first would spin on reconnects instead of shutting down). Set {@code SORA_BASE_URL} and
 * {@code SORA_API_KEY} to use a real provider instead of the worker's built-in simulator.
 */
public final class LocalStack {

    /** Fake: only the simulator inside the local worker checks it. */
    private static final String SIMULATOR_API_KEY = "sk-FAKE-test-0000";
    private static final String SAMPLE_REQUEST = "{\"model\":\"sora-2\","
            + "\"prompt\":\"A golden retriever playing fetch on a sunny beach\","
            + "\"size\":\"1280x720\",\"seconds\":\"4\",\"metadata\":{\"source\":\"run-local\"}}";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration COMPLETION_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration WORKER_STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path home;
    private final Path workerJar;
    private final ObjectMapper json = new ObjectMapper();
    private final CountDownLatch clientsClosed = new CountDownLatch(1);

    private volatile boolean stopping;
    private volatile KafkaBroker broker;
    private volatile S3Server s3;
    private volatile Process worker;
    private volatile KafkaConsumer<String, String> consumer;

    private LocalStack(Path home, Path workerJar) {
        this.home = home;
        this.workerJar = workerJar;
    }

    public static void main(String[] args) {
        // the broker and S3Proxy run in this JVM and log through SLF4J: INFO and above, not every DEBUG line built
        UnconfiguredLogging.infoAndAbove();
        Path home = Paths.get("local-stack").toAbsolutePath();
        Path jar = Paths.get("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            System.err.println("Missing " + jar + ": build first with ./mvnw -B -DskipTests package");
            System.exit(2);
        }
        LocalStack stack = new LocalStack(home, jar);
        Runtime.getRuntime().addShutdownHook(new Thread(stack::shutdown, "local-stack-stop"));
        int exitCode = 0;
        try {
            stack.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // After Ctrl-C, failures are the expected fallout of stopping the worker and the broker.
            if (!stack.stopping) {
                System.err.println("local stack failed: " + e.getMessage());
                exitCode = 1;
            }
        } finally {
            stack.clientsClosed.countDown();
        }
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    private void run() throws Exception {
        Files.createDirectories(home);
        long t0 = System.nanoTime();
        broker = KafkaBroker.start(home.resolve("kafka"), true);
        WorkerTopics.create(broker);
        s3 = S3Server.start(home.resolve("s3"));
        System.out.printf("Kafka (KRaft) on %s, S3 (S3Proxy) on %s, up in %d ms%n",
                broker.bootstrapServers(), s3.endpoint(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));

        int workerPort = Ports.free();
        Path workerLog = home.resolve("worker.log");
        worker = startWorker(workerPort, workerLog);
        System.out.println("Worker starting on http://127.0.0.1:" + workerPort + " (log: " + workerLog + ")");
        awaitReady(workerPort, workerLog);
        System.out.println("Worker ready.");

        try (MinioClient minio = MinioClient.builder()
                .endpoint(s3.endpoint())
                .region("us-east-1")
                .credentials(s3.accessKey(), s3.secretKey())
                .build();
                KafkaConsumer<String, String> events = eventConsumer()) {
            consumer = events;
            // Assigned before the request is sent, from the beginning, so no event of the demo job can be missed.
            assignFromBeginning(events, WorkerTopics.STATUS, WorkerTopics.COMPLETED);
            String jobId = "local-demo-" + Instant.now().toEpochMilli();
            sendRequest(jobId);
            System.out.println("Sent " + WorkerTopics.REQUESTS + " key=" + jobId + " " + SAMPLE_REQUEST);
            followEvents(events, minio, jobId);
        } catch (WakeupException e) {
            // Ctrl-C: the shutdown hook woke the consumer up.
        } finally {
            consumer = null;
            clientsClosed.countDown();
        }
    }

    private Process startWorker(int port, Path log) throws IOException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.add("-Dkafka.bootstrap.servers=" + broker.bootstrapServers());
        command.add("-Dworker.storage.endpoint=" + s3.endpoint());
        // Credentials go through the environment, not the command line, where any local user could read them.
        Map<String, String> env = new HashMap<>();
        env.put("S3_ACCESS_KEY", s3.accessKey());
        env.put("S3_SECRET_KEY", s3.secretKey());
        // Poll often so the demo shows queued and in-progress events, not only the end.
        command.add("-Dworker.poll.interval=1s");
        command.add("-Dworker.poll.max-interval=1s");
        command.add("-Dworker.poll.min-interval=200ms");
        command.add("-Dquarkus.http.port=" + port);
        // Loopback only: in local mode the simulator serves the Videos API on this port to anyone who can reach it.
        command.add("-Dquarkus.http.host=127.0.0.1");
        String realUrl = System.getenv("SORA_BASE_URL");
        String realKey = System.getenv("SORA_API_KEY");
        if (notBlank(realUrl) && notBlank(realKey)) {
            // The worker reads SORA_BASE_URL/SORA_API_KEY from the inherited environment; the key stays off the
            // command line, where any local user could read it.
            command.add("-Dsimulator.enabled=false");
            System.out.println("Provider: " + realUrl + " (SORA_API_KEY from the environment); the simulator is off");
        } else {
            command.add("-Dsimulator.enabled=true");
            env.put("SIMULATOR_API_KEY", SIMULATOR_API_KEY);
            env.put("SORA_API_KEY", SIMULATOR_API_KEY);
            command.add("-Dsimulator.duration=PT10S");
            command.add("-Dworker.provider.base-url=http://127.0.0.1:" + port);
            System.out.println("Provider: the worker's built-in simulator (set SORA_BASE_URL and SORA_API_KEY to use a real one)");
        }
        command.add("-jar");
        command.add(workerJar.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        return builder
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private void awaitReady(int port, Path log) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!worker.isAlive()) {
                throw new IllegalStateException("the worker exited with code " + worker.exitValue() + "\n" + tail(log));
            }
            try {
                HttpResponse<String> response = http.send(ready, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the worker was not ready within " + READY_TIMEOUT.toSeconds() + " s\n" + tail(log));
    }

    private KafkaConsumer<String, String> eventConsumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "run-local-events");
        return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    }

    private static void assignFromBeginning(KafkaConsumer<String, String> consumer, String... topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    private void sendRequest(String jobId) {
        sendRequest(jobId, SAMPLE_REQUEST);
    }

    /**
     * Sends each line typed on the console as a job: a JSON request, optionally preceded by a job id and a space
     * (without one, the job id is made up).
     */
    private void readJobsFromConsole() {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; !stopping && (line = in.readLine()) != null;) {
                    line = line.strip();
                    if (line.isEmpty()) {
                        continue;
                    }
                    int brace = line.indexOf('{');
                    String jobId = brace > 0 ? line.substring(0, brace).strip()
                            : "local-" + Instant.now().toEpochMilli();
                    String json = brace >= 0 ? line.substring(brace) : line;
                    try {
                        sendRequest(jobId, json);
                        System.out.println("Sent " + WorkerTopics.REQUESTS + " key=" + jobId + " " + json);
                    } catch (IllegalStateException e) {
                        System.out.println(e.getMessage());
                    }
                }
            } catch (IOException e) {
                // the console went away; the stack keeps running until Ctrl-C
            }
        }, "console-jobs");
        reader.setDaemon(true);
        reader.start();
    }

    private void sendRequest(String jobId, String json) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(WorkerTopics.REQUESTS, jobId, json)).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending the request", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not send the request: " + e.getMessage(), e);
        }
    }

    /**
     * Prints every status and completion event as it arrives and stores each succeeded video locally. Events of the
     * demo job are awaited for a while; afterwards the loop keeps going for jobs the user sends, until Ctrl-C.
     */
    private void followEvents(KafkaConsumer<String, String> events, MinioClient minio, String demoJobId) {
        long demoDeadline = System.nanoTime() + COMPLETION_TIMEOUT.toNanos();
        boolean demoDone = false;
        boolean workerExitReported = false;
        while (!stopping) {
            if (!workerExitReported && !worker.isAlive()) {
                workerExitReported = true;
                System.out.println("The worker exited with code " + worker.exitValue() + "; see "
                        + home.resolve("worker.log") + ". Ctrl-C stops Kafka and S3.");
            }
            for (ConsumerRecord<String, String> record : events.poll(Duration.ofMillis(500))) {
                System.out.printf("[%s] key=%s ce_type=%s %s%n",
                        record.topic(), record.key(), header(record, "ce_type"), record.value());
                if (WorkerTopics.COMPLETED.equals(record.topic())) {
                    fetchVideo(minio, record);
                    if (demoJobId.equals(record.key()) && !demoDone) {
                        demoDone = true;
                        printHint();
                    }
                }
            }
            if (!demoDone && System.nanoTime() > demoDeadline) {
                demoDone = true;
                System.out.println("No completion event for " + demoJobId + " within " + COMPLETION_TIMEOUT.toMinutes()
                        + " minutes; see " + home.resolve("worker.log") + ". Still listening.");
                printHint();
            }
        }
    }

    private void fetchVideo(MinioClient minio, ConsumerRecord<String, String> record) {
        try {
            JsonNode completion = json.readTree(record.value());
            if (!"succeeded".equals(completion.path("outcome").asText())) {
                System.out.println("Job " + record.key() + " ended " + completion.path("outcome").asText("?")
                        + ": " + completion.path("error"));
                return;
            }
            JsonNode video = completion.path("video");
            String bucket = video.path("bucket").asText();
            String key = video.path("key").asText();
            String jobId = completion.path("jobId").asText(record.key());
            // The job id comes from whoever sent the request; keep the file name inside local-stack/.
            Path target = home.resolve(jobId.replaceAll("[^A-Za-z0-9._-]", "_") + ".mp4");
            minio.downloadObject(DownloadObjectArgs.builder()
                    .bucket(bucket).object(key).filename(target.toString()).overwrite(true).build());
            String url = minio.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                    .method(Http.Method.GET).bucket(bucket).object(key).expiry(1, TimeUnit.HOURS).build());
            System.out.println("Video s3://" + bucket + "/" + key + " (" + Files.size(target) + " bytes) saved to " + target);
            System.out.println("Presigned URL (valid 1 h, while the stack runs): " + url);
        } catch (Exception e) {
            System.out.println("Could not fetch the video of " + record.key() + ": " + e.getMessage());
        }
    }

    private void printHint() {
        System.out.println("Stack running (Ctrl-C stops everything). Type a job to send it, a JSON request on one line,"
                + " optionally after a job id, e.g.");
        System.out.println("  my-job-1 {\"prompt\":\"A red kite over a hill\",\"size\":\"1280x720\",\"seconds\":\"4\"}");
        System.out.println("or produce to topic " + WorkerTopics.REQUESTS + " on " + broker.bootstrapServers()
                + " with any Kafka client.");
        readJobsFromConsole();
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "-" : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Stops in dependency order: the worker, then this JVM's clients, then the broker and S3. */
    private void shutdown() {
        stopping = true;
        KafkaConsumer<String, String> events = consumer;
        if (events != null) {
            events.wakeup();
        }
        Process process = worker;
        if (process != null && process.isAlive()) {
            System.out.println("Stopping the worker...");
            process.destroy();
            try {
                if (!process.waitFor(WORKER_STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            clientsClosed.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        KafkaBroker kafka = broker;
        if (kafka != null) {
            System.out.println("Stopping Kafka and S3...");
            kafka.close();
        }
        S3Server storage = s3;
        if (storage != null) {
            storage.close();
        }
        System.out.println("Local stack stopped.");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean notBlank(String value) {
        return value != null && !value.isBlank();
    }
}

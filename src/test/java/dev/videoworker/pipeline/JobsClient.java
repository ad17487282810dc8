package dev.videoworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.schema.PublishedSchemas;

/**
 * What a producing team and a consuming service do, for tests: send requests, read the worker's events as a
 * {@code read_committed} consumer would.
 */
public final class JobsClient implements AutoCloseable {

    public static final String REQUESTS = "video.requests";
    public static final String STATUS = "video.status";
    public static final String COMPLETED = "video.completed";
    public static final String DLQ = "video.requests.dlq";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Events already checked against the schemas in this test JVM (topics are shared between test classes). */
    private static final Set<String> CHECKED = ConcurrentHashMap.newKeySet();

    private final KafkaProducer<String, byte[]> producer;
    private final TopicRecorder recorder;
    private final String requestsTopic;
    private final String statusTopic;
    private final String completedTopic;

    public JobsClient(String bootstrapServers) {
        this(bootstrapServers, REQUESTS, STATUS, COMPLETED, DLQ);
    }

    /** A client of a worker configured with other topic names. */
    public JobsClient(String bootstrapServers, String requestsTopic, String statusTopic, String completedTopic,
            String dlqTopic) {
        this.requestsTopic = requestsTopic;
        this.statusTopic = statusTopic;
        this.completedTopic = completedTopic;
        this.recorder = new TopicRecorder(bootstrapServers, List.of(statusTopic, completedTopic, dlqTopic));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(props);
    }

    public RecordMetadata send(String key, String value) throws InterruptedException, ExecutionException {
        return producer.send(new ProducerRecord<>(requestsTopic, key,
                value == null ? null : value.getBytes(StandardCharsets.UTF_8))).get();
    }

    /** Sends a record value as raw bytes, as kcat would: for values that are not UTF-8. */
    public RecordMetadata sendBytes(String key, byte[] value) throws InterruptedException, ExecutionException {
        return producer.send(new ProducerRecord<>(requestsTopic, key, value)).get();
    }

    /** Sends a request with record headers (e.g. a W3C {@code traceparent}). */
    public RecordMetadata send(String key, String value, Map<String, String> headers)
            throws InterruptedException, ExecutionException {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(requestsTopic, key,
                value.getBytes(StandardCharsets.UTF_8));
        headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        return producer.send(record).get();
    }

    public List<TopicRecorder.Seen> records(String topic, String key) {
        return recorder.records(topic, key);
    }

    /** Waits for the job's completion event and returns its payload. */
    public JsonNode awaitCompletion(String jobId, Duration atMost) throws IOException {
        await().atMost(atMost.toMillis(), TimeUnit.MILLISECONDS).pollInterval(Duration.ofMillis(100))
                .until(() -> !recorder.records(completedTopic, jobId).isEmpty());
        return JSON.readTree(recorder.records(completedTopic, jobId).get(0).value());
    }

    public JsonNode awaitCompletion(String jobId) throws IOException {
        return awaitCompletion(jobId, Duration.ofSeconds(90));
    }

    /** The statuses announced for a job so far, in order. */
    public List<String> statuses(String jobId) throws IOException {
        List<String> out = new ArrayList<>();
        for (TopicRecorder.Seen s : recorder.records(statusTopic, jobId)) {
            out.add(JSON.readTree(s.value()).path("status").asText());
        }
        return out;
    }

    /**
     * Every status and completion event seen so far checked against the published schemas ({@code docs/schemas}):
     * what they find wrong, one line per problem, naming the event's job and topic. Each event is checked once per test
     * run, however many clients read it again.
     */
    public List<String> schemaProblems() throws IOException {
        List<String> problems = new ArrayList<>();
        for (String[] topicAndSchema : new String[][] {{statusTopic, PublishedSchemas.STATUS},
                {completedTopic, PublishedSchemas.COMPLETION}}) {
            for (TopicRecorder.Seen seen : recorder.records(topicAndSchema[0])) {
                String text = seen.text();
                if (text == null || !CHECKED.add(topicAndSchema[0] + "\n" + text)) {
                    continue;
                }
                for (String problem : PublishedSchemas.problems(topicAndSchema[1], JSON.readTree(text))) {
                    problems.add(topicAndSchema[0] + " " + seen.key() + ": " + problem + " in " + text);
                }
            }
        }
        return problems;
    }

    /**
     * Closes the client; fails when an event it saw does not match the published schemas, so every test that reads
     * the worker's topics through it checks the events it caused against them.
     */
    @Override
    public void close() throws InterruptedException {
        List<String> problems;
        try {
            problems = schemaProblems();
        } catch (IOException e) {
            problems = List.of("an event is not JSON: " + e.getMessage());
        } finally {
            producer.close();
            recorder.close();
        }
        assertThat(problems).as("status and completion events that do not match docs/schemas").isEmpty();
    }
}

package dev.videoworker.request;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.videoworker.event.RecordPosition;
import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Thousands of hostile request records through the real broker and the running worker: every one must end as exactly
 * one rejection (and, when it is not JSON, one dead letter), none may reach the provider, the valid jobs mixed in must
 * all succeed, and the worker must stay healthy. The records come from a seeded generator: the seed is printed and is
 * in every assertion message; {@code -Dfuzz.seed=N} repeats a run, {@code -Dfuzz.records=N} changes its size.
 */
@QuarkusTest
class RequestFuzzTest extends WorkerTest {

    static final int MAX_BYTES = 1_048_576;
    static final int VALID_JOBS = 50;
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What must become of a record. */
    enum Expect {
        SUCCEEDED, REJECTED, DEAD_LETTER
    }

    /** One generated record; {@code key} null means none. */
    record Planned(String key, byte[] value, Expect expect, String recipe) {
    }

    /** A record as the broker stored it, with the job id the worker must use for it. */
    record Sent(Planned plan, String jobId, int partition, long offset) {
        String describe() {
            return plan.recipe() + " (job " + clip(jobId) + " at " + partition + "@" + offset + ")";
        }
    }

    @Test
    void everyHostileRecordIsRejectedOnceAndNoneCostsMoney() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        int hostileCount = Integer.getInteger("fuzz.records", 10_000);
        System.out.println("RequestFuzzTest seed: " + seed + " (repeat with -Dfuzz.seed=" + seed + ")");
        String seedNote = "fuzz seed " + seed;
        long started = System.nanoTime();

        String bootstrap = WorkerTestResources.broker().bootstrapServers();
        allowRecordsJustOverTheLimit(bootstrap);
        Generator generator = new Generator(new Random(seed), "fz" + Long.toHexString(seed) + "-"
                + UUID.randomUUID().toString().substring(0, 8));
        List<Planned> plan = generator.plan(hostileCount, VALID_JOBS);
        int createsBefore = simulator().createCount();

        List<Sent> sent = new ArrayList<>();
        try (TopicRecorder recorder = new TopicRecorder(bootstrap, List.of(JobsClient.COMPLETED, JobsClient.DLQ));
                KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (Planned p : plan) {
                acks.add(producer.send(new ProducerRecord<>(JobsClient.REQUESTS, p.key(), p.value())));
            }
            for (int i = 0; i < plan.size(); i++) {
                Planned p = plan.get(i);
                RecordMetadata at = acks.get(i).get(60, TimeUnit.SECONDS);
                String jobId = usableKey(p.key()) ? p.key()
                        : new RecordPosition(at.topic(), at.partition(), at.offset()).derivedJobId();
                sent.add(new Sent(p, jobId, at.partition(), at.offset()));
            }
            long producedAt = System.nanoTime();
            System.out.printf("RequestFuzzTest: produced %d records (%d hostile, %d valid) in %d ms%n", sent.size(),
                    hostileCount, VALID_JOBS, (producedAt - started) / 1_000_000);

            List<String> unhealthy = new CopyOnWriteArrayList<>();
            try {
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                        .conditionEvaluationListener(c -> checkHealth(unhealthy))
                        .until(() -> missing(recorder, sent).isEmpty());
            } catch (ConditionTimeoutException e) {
                List<Sent> left = missing(recorder, sent);
                throw new AssertionError(seedNote + ": " + left.size() + " records without their outcome, e.g. "
                        + left.stream().limit(20).map(Sent::describe).toList() + "; health: " + unhealthy, e);
            }
            long doneAt = System.nanoTime();
            System.out.printf("RequestFuzzTest: every outcome seen %d ms after the last record was produced (%d ms "
                    + "in all)%n", (doneAt - producedAt) / 1_000_000, (doneAt - started) / 1_000_000);

            assertThat(unhealthy).as(seedNote + ": health while consuming").isEmpty();
            given().get("/q/health").then().statusCode(200);
            assertOutcomes(recorder, sent, seedNote);
            assertThat(simulator().createCount() - createsBefore).as(seedNote + ": paid create calls")
                    .isEqualTo(VALID_JOBS);
        }
    }

    @Test
    void forwardsAnUnreadableRecordTooLargeForTheDeadLetterTopicWithoutItsBytes() throws Exception {
        // Fits the request topic (default limits) but not the dead-letter topic once the reason headers are added.
        String key = "huge-not-json-" + UUID.randomUUID();
        RecordMetadata at = jobs.send(key, "x".repeat(1_048_400));

        JsonNode completion = jobs.awaitCompletion(key);
        assertThat(completion.path("outcome").asText()).isEqualTo("rejected");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("invalid_json");
        await().atMost(Duration.ofSeconds(30)).until(() -> !jobs.records(JobsClient.DLQ, key).isEmpty());
        TopicRecorder.Seen dead = jobs.records(JobsClient.DLQ, key).get(0);
        assertThat(dead.value()).isEmpty();
        assertThat(dead.header("dead-letter-reason")).contains("1048400 bytes").contains("too large to forward");
        assertThat(dead.header("dead-letter-offset")).isEqualTo(String.valueOf(at.offset()));
        given().get("/q/health").then().statusCode(200);
    }

    /** The records that have not reached their expected outcome yet (evaluated while waiting). */
    private static List<Sent> missing(TopicRecorder recorder, List<Sent> sent) {
        List<Sent> out = new ArrayList<>();
        Map<String, Integer> deadByPosition = deadLettersByPosition(recorder);
        for (Sent s : sent) {
            if (recorder.records(JobsClient.COMPLETED, s.jobId()).isEmpty()
                    || s.plan().expect() == Expect.DEAD_LETTER && !deadByPosition.containsKey(position(s))) {
                out.add(s);
            }
        }
        return out;
    }

    private static void assertOutcomes(TopicRecorder recorder, List<Sent> sent, String seedNote) throws Exception {
        Map<String, Integer> deadByPosition = deadLettersByPosition(recorder);
        int rejected = 0;
        for (Sent s : sent) {
            String what = seedNote + ": " + s.describe();
            List<TopicRecorder.Seen> completions = recorder.records(JobsClient.COMPLETED, s.jobId());
            assertThat(completions).as(what + ": completions").hasSize(1);
            TopicRecorder.Seen seen = completions.get(0);
            assertThat(seen.value().length).as(what + ": completion size").isLessThan(64 * 1024);
            JsonNode completion = JSON.readTree(seen.value());
            String outcome = completion.path("outcome").asText();
            if (s.plan().expect() == Expect.SUCCEEDED) {
                assertThat(outcome).as(what + ": " + completion).isEqualTo("succeeded");
                assertThat(deadByPosition).as(what + ": dead letters").doesNotContainKey(position(s));
                continue;
            }
            rejected++;
            assertThat(outcome).as(what + ": " + completion).isEqualTo("rejected");
            JsonNode error = completion.path("error");
            assertThat(error.path("code").asText()).as(what + ": error code").isNotBlank();
            assertThat(error.path("message").asText()).as(what + ": error message").isNotBlank()
                    .hasSizeLessThan(1_000);
            assertThat(error.path("field").asText()).as(what + ": error field").isNotBlank();
            int deadLetters = deadByPosition.getOrDefault(position(s), 0);
            if (s.plan().expect() == Expect.DEAD_LETTER) {
                assertThat(error.path("code").asText()).as(what).isEqualTo("invalid_json");
                assertThat(deadLetters).as(what + ": dead letters").isEqualTo(1);
            } else {
                assertThat(error.path("code").asText()).as(what).isNotEqualTo("invalid_json");
                assertThat(deadLetters).as(what + ": dead letters").isZero();
            }
        }
        assertThat(rejected).as(seedNote).isEqualTo(sent.size() - VALID_JOBS);
    }

    /** Dead letters counted by the request position they came from (their headers name it). */
    private static Map<String, Integer> deadLettersByPosition(TopicRecorder recorder) {
        Map<String, Integer> out = new HashMap<>();
        for (TopicRecorder.Seen dead : recorder.records(JobsClient.DLQ)) {
            if (JobsClient.REQUESTS.equals(dead.header("dead-letter-topic"))) {
                out.merge(dead.header("dead-letter-partition") + "@" + dead.header("dead-letter-offset"), 1,
                        Integer::sum);
            }
        }
        return out;
    }

    private static String position(Sent s) {
        return s.partition() + "@" + s.offset();
    }

    private static void checkHealth(List<String> unhealthy) {
        var response = given().get("/q/health");
        if (response.statusCode() != 200) {
            unhealthy.add(response.statusCode() + " " + response.asString());
        }
    }

    /** The worker's own rule for a record key that can be a job id. */
    private static boolean usableKey(String key) {
        return key != null && RequestParser.jobIdProblem(key).isEmpty();
    }

    /** Records up to 1 MiB plus a little must reach the worker to be refused there, as a larger broker limit allows. */
    private static void allowRecordsJustOverTheLimit(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, JobsClient.REQUESTS);
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                    new ConfigEntry("max.message.bytes", String.valueOf(4 * MAX_BYTES)), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * MAX_BYTES);
        props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * MAX_BYTES);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(props);
    }

    static String clip(String s) {
        return s == null ? "null" : s.length() <= 80 ? s : s.substring(0, 80) + "…(" + s.length() + ")";
    }

    /**
     * Makes the records. Hostile ones always break at least one rule the parser enforces on its own (so whatever else
     * a mutation does, the request cannot become valid); valid ones are small and distinct.
     */
    static final class Generator {

        /** Lone surrogates cannot be encoded by the serialiser: placeholders become JSON escapes afterwards. */
        static final String LONE_HIGH = "@@hi@@";
        static final String LONE_LOW = "@@lo@@";
        static final String LONG_NUMBER = "@@long-number@@";

        static final List<String> ODD = List.of("'; DROP TABLE jobs; --", "../../etc/passwd", "..\\..\\boot.ini",
                "{{7*7}}", "${7*7}", "${jndi:ldap://x/a}", "<script>alert(1)</script>", "a\r\nX-Injected: yes",
                "\u202Eevil\u202C", "\u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627", "zero\u200B\u200D\uFEFFwidth",
                "nul\u0000byte", "bell\u0007", "\uD83C\uDFAC\uD83D\uDC36", LONE_HIGH, LONE_LOW, "tail" + LONE_HIGH,
                "%s%n%x", "\\", "\"", "", " ", "\t", "null", "true", "0", "-1", "NaN", "1e400", "s3://videos/../x",
                "\u0130\u0131\u00df", "e\u0301", "\uFFFF\uFFFE", "a".repeat(300));
        /** JSON text put in verbatim (numbers the serialiser would normalise). */
        static final List<String> RAW = List.of("\"10\"", "\"15\"", "10", "15", "\"abc\"", "8.5", "-4", "0", "1e30",
                "true", "[8]", "{\"s\":8}", "\"8.0\"", "\"\"", "99999999999", "1e400", "-1e400", "0.39", "0", "0.0",
                "-0.01", "1e-999999999");
        static final int SECONDS_RAW = 16;
        /** Characters a job id may not hold (format, line separators, NEL, U+FFFD): each id gets one. */
        static final List<String> UNSAFE_IN_IDS = List.of("\uFEFF", "\u202E", "\u200B", "\u2066", "\u00AD",
                "\u0085", "\u2028", "\u2029", "\uFFFD");
        /** Text without a visible character. */
        static final List<String> INVISIBLE = List.of("\u00A0", "\u3000", "\u2003", "\u200B", "\uFEFF",
                "\u00A0\u200B\u3000", "\u2060\u200D", "\u3164", "\u0301");
        /** Byte sequences that are not UTF-8, each put into an otherwise valid request. */
        static final List<byte[]> NOT_UTF8 = List.of(new byte[] {(byte) 0xC0, (byte) 0xAF},
                new byte[] {(byte) 0xC1, (byte) 0xBF}, new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                new byte[] {(byte) 0x80}, new byte[] {(byte) 0xBF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}, new byte[] {(byte) 0xE2, (byte) 0x82},
                new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x8E}, new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80,
                        (byte) 0x80}, new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xFE}, new byte[] {(byte) 0xFF});

        private final Random rnd;
        private final String run;
        private int serial;

        Generator(Random rnd, String run) {
            this.rnd = rnd;
            this.run = run;
        }

        List<Planned> plan(int hostile, int valid) {
            List<Planned> out = new ArrayList<>(hostile + valid);
            for (int i = 0; i < hostile; i++) {
                out.add(hostile());
            }
            // A few records near and just over the size limit, whatever the draw.
            for (int i = 0; i < 3; i++) {
                out.add(rnd.nextInt(out.size()), tooLarge());
                out.add(rnd.nextInt(out.size()), hugeNotJson());
            }
            for (int i = 0; i < valid; i++) {
                out.add(rnd.nextInt(out.size() + 1), valid(i));
            }
            return out;
        }

        private String key() {
            return run + "-" + (serial++);
        }

        Planned valid(int i) {
            ObjectNode body = NODES.objectNode();
            String oddTail = rnd.nextInt(3) == 0 ? " " + pick(List.of("\u202Etxet\u202C", "zero\u200Bwidth",
                    "\uD83C\uDFAC", "\u05e9\u05dc\u05d5\u05dd")) : "";
            body.put("prompt", "Fuzz valid clip " + i + " of " + run + oddTail);
            if (rnd.nextBoolean()) {
                body.put("size", "1280x720");
            }
            body.put("metadata", NODES.objectNode().put("fuzz", i).put("odd", pick(ODD)));
            if (rnd.nextBoolean()) {
                body.set("unknownField", NODES.arrayNode().add(1).add("x"));
            }
            String key = key();
            if (rnd.nextBoolean()) {
                body.put("jobId", key);
            }
            return new Planned(key, bytes(body), Expect.SUCCEEDED, "valid #" + i);
        }

        Planned hostile() {
            int roll = rnd.nextInt(100);
            if (roll < 10) {
                return notJson(rnd.nextInt(5) == 0 ? null : key());
            }
            if (roll < 13) {
                return notAnObject();
            }
            if (roll < 18) {
                return badKey();
            }
            ObjectNode body = base();
            List<String> steps = new ArrayList<>();
            int noise = rnd.nextInt(4);
            for (int i = 0; i < noise; i++) {
                steps.add(neutral(body));
            }
            String key = roll < 26 ? null : key();
            steps.add(breaking(body, key));
            String text = text(body);
            if (rnd.nextInt(20) == 0) {
                // A duplicate field: the last one wins, and it is the breaking one.
                text = text.substring(0, text.length() - 1) + ",\"prompt\":" + pick(List.of("42", "null", "\"\"",
                        "[]", "{}")) + "}";
                steps.add("duplicate prompt");
            }
            return new Planned(key, text.getBytes(StandardCharsets.UTF_8), Expect.REJECTED,
                    (key == null ? "unkeyed " : "") + String.join(" + ", steps));
        }

        private ObjectNode base() {
            ObjectNode body = NODES.objectNode();
            body.put("prompt", "Fuzz hostile " + serial + " " + pick(ODD));
            body.put("model", pick(List.of("sora-2", "sora-2-pro")));
            body.put("size", pick(List.of("720x1280", "1280x720")));
            body.put("seconds", pick(List.of("4", "8", "12")));
            if (rnd.nextBoolean()) {
                body.set("variants", NODES.arrayNode().add("thumbnail"));
            }
            if (rnd.nextBoolean()) {
                body.set("output", NODES.objectNode().put("bucket", "videos").put("key", "fuzz/{jobId}.mp4"));
            }
            if (rnd.nextBoolean()) {
                body.set("metadata", NODES.objectNode().put("odd", pick(ODD)).put("n", rnd.nextInt()));
            }
            return body;
        }

        /** A change that leaves a valid request valid (it may still be rejected for another reason). */
        private String neutral(ObjectNode body) {
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    body.put("x-" + oddName(), pick(ODD));
                    return "unknown field";
                }
                case 1 -> {
                    body.set("deepUnknown", nest(1 + rnd.nextInt(899)));
                    return "deep unknown field";
                }
                case 2 -> {
                    String field = pick(List.of("size", "variants", "output", "metadata", "maxCostUsd", "model"));
                    body.putNull(field);
                    return field + "=null";
                }
                case 3 -> {
                    body.put("prompt", body.path("prompt").asText() + pick(ODD));
                    return "odd prompt";
                }
                case 4 -> {
                    body.put("seconds", Integer.parseInt(body.path("seconds").asText("4")));
                    return "numeric seconds";
                }
                default -> {
                    body.put("maxCostUsd", 1_000_000);
                    return "generous cost limit";
                }
            }
        }

        /** A change after which the parser must refuse the request, whatever else it holds. */
        private String breaking(ObjectNode body, String key) {
            switch (rnd.nextInt(16)) {
                case 0 -> {
                    String how = pick(List.of("missing", "null", "empty", "blank", "invisible", "number", "boolean",
                            "array", "object", "too long"));
                    switch (how) {
                        case "missing" -> body.remove("prompt");
                        case "null" -> body.putNull("prompt");
                        case "empty" -> body.put("prompt", "");
                        case "blank" -> body.put("prompt", " \t\u2003 ");
                        case "invisible" -> body.put("prompt", pick(INVISIBLE).repeat(1 + rnd.nextInt(3)));
                        case "number" -> body.put("prompt", rnd.nextLong());
                        case "boolean" -> body.put("prompt", rnd.nextBoolean());
                        case "array" -> body.set("prompt", NODES.arrayNode().add(pick(ODD)));
                        case "object" -> body.set("prompt", NODES.objectNode().put("text", "x"));
                        default -> body.put("prompt", pick(List.of("x", "\uD83C\uDFAC", "\u05e9"))
                                .repeat(32_001 + rnd.nextInt(100)));
                    }
                    return "prompt " + how;
                }
                case 1 -> {
                    body.put("model", pick(List.of("sora-3", "SORA-2", "sora-2 ", "gpt-4o", "")) + pick(ODD));
                    return "unknown model";
                }
                case 2 -> {
                    body.set("model", wrongType(false));
                    return "model of the wrong type";
                }
                case 3 -> {
                    if (rnd.nextBoolean()) {
                        body.put("size", pick(List.of("1x1", "1792x1024x1", "720X1280", "-720x1280", "")) + pick(ODD));
                    } else {
                        body.set("size", wrongType(false));
                    }
                    return "bad size";
                }
                case 4 -> {
                    int raw = rnd.nextInt(SECONDS_RAW);
                    body.put("seconds", "@@raw:" + raw + "@@");
                    return "bad seconds " + RAW.get(raw);
                }
                case 5 -> {
                    body.set("inputReference", pick(List.of(wrongType(true),
                            NODES.objectNode().put("uri", pick(List.of("http://169.254.169.254/latest", "../../etc/passwd",
                                    "file:///etc/passwd", "s3://", "s3://A_B/x", "data:text/html;base64,AAAA",
                                    "s3://bucket/", ""))),
                            NODES.objectNode().put("fit", "cover"),
                            NODES.objectNode().put("uri", "s3://inputs/a.png").put("fit", pick(ODD) + "stretch"),
                            NODES.objectNode().put("uri", "s3://inputs/a.png").set("fit", wrongType(false)),
                            NODES.objectNode().set("uri", wrongType(false)))));
                    return "bad inputReference";
                }
                case 6 -> {
                    ArrayNode items = NODES.arrayNode().add("thumbnail");
                    if (rnd.nextBoolean()) {
                        items.add(pick(List.of("poster", "THUMBNAIL", "", pick(ODD))));
                    } else {
                        items.add(wrongType(false));
                    }
                    body.set("variants", rnd.nextInt(4) == 0 ? wrongType(true) : items);
                    return "bad variants";
                }
                case 7 -> {
                    ObjectNode output = NODES.objectNode();
                    switch (rnd.nextInt(6)) {
                        case 0 -> output.put("bucket", pick(List.of("A_B", "x", "bucket..name", "-lead", pick(ODD)
                                + "UPPER")));
                        case 1 -> output.put("key", pick(List.of("../{jobId}", "/abs/{jobId}", "a\\b", "{nope}.mp4",
                                "a//b", "ctl\u0001key", "x/./y", "a".repeat(2_000))));
                        case 2 -> output.set(pick(List.of("bucket", "key")), wrongType(false));
                        case 3 -> output.put("key", pick(List.of("{jobId.class.classLoader}.mp4", "{JOBID}.mp4",
                                "{jobId}{.mp4", "a}/{jobId}", "{{jobId}}", "c/{}/{jobId}", "a\u202Eb/{jobId}",
                                "\uFEFF{jobId}", "a\u2028/{jobId}")));
                        case 4 -> output.put("bucket", pick(List.of("other-bucket", "videos.evil.com",
                                "169.254.169.254", "inputs", "videos2")));
                        default -> {
                            body.set("output", wrongType(true));
                            return "output of the wrong type";
                        }
                    }
                    body.set("output", output);
                    return "bad output";
                }
                case 8 -> {
                    // Every model, size and duration costs at least $0.40: each of these is refused.
                    switch (rnd.nextInt(3)) {
                        case 0 -> body.put("maxCostUsd", -rnd.nextDouble() - 0.01);
                        case 1 -> body.put("maxCostUsd", "@@raw:" + (15 + rnd.nextInt(RAW.size() - 15)) + "@@");
                        default -> body.set("maxCostUsd", wrongTypeOrString());
                    }
                    return "bad maxCostUsd " + body.path("maxCostUsd");
                }
                case 9 -> {
                    body.set("metadata", pick(List.of(NODES.arrayNode().add(1), NODES.textNode(pick(ODD)),
                            NODES.numberNode(rnd.nextInt()), NODES.booleanNode(true))));
                    return "metadata not an object";
                }
                case 10 -> {
                    ObjectNode huge = NODES.objectNode();
                    int fields = 20 + rnd.nextInt(200);
                    for (int i = 0; i < fields; i++) {
                        huge.put("k" + i + oddName(), "v".repeat(100 + rnd.nextInt(300)));
                    }
                    huge.put("pad", "m".repeat(16_400));
                    body.set("metadata", huge);
                    return "huge metadata";
                }
                case 11 -> {
                    ObjectNode deep = NODES.objectNode();
                    ObjectNode at = deep;
                    int depth = 33 + rnd.nextInt(900);
                    for (int i = 1; i < depth; i++) {
                        at = at.putObject("d");
                    }
                    body.set("metadata", deep);
                    return "metadata " + depth + " deep";
                }
                case 12 -> {
                    if (key == null) {
                        body.set("seconds", NODES.booleanNode(false));
                        return "seconds a boolean";
                    }
                    body.put("jobId", pick(List.of("other-" + key, key + " ", key.toUpperCase() + "X")));
                    return "jobId differs from the key";
                }
                case 13 -> {
                    body.set("jobId", pick(List.of(wrongType(false), NODES.textNode("ctl\u0001id"),
                            NODES.textNode("j".repeat(201)), NODES.textNode(" "), NODES.textNode("lone" + LONE_HIGH),
                            NODES.textNode(pick(UNSAFE_IN_IDS) + "id" + key), NODES.textNode(pick(INVISIBLE)))));
                    return "unusable jobId";
                }
                case 14 -> {
                    body.put("junk", LONG_NUMBER);
                    return "number of 1,500 digits";
                }
                default -> {
                    body.set("junk", nest(1_001 + rnd.nextInt(10_000)));
                    return "nested beyond the parser's limit";
                }
            }
        }

        private JsonNode wrongType(boolean insteadOfObject) {
            List<JsonNode> options = new ArrayList<>(List.of(NODES.numberNode(rnd.nextInt()),
                    NODES.numberNode(rnd.nextDouble()), NODES.booleanNode(rnd.nextBoolean()),
                    NODES.arrayNode().add(pick(ODD))));
            options.add(insteadOfObject ? NODES.textNode(pick(ODD)) : NODES.objectNode().put("v", pick(ODD)));
            return pick(options);
        }

        private JsonNode wrongTypeOrString() {
            return pick(List.of(NODES.textNode("1.00"), NODES.booleanNode(true), NODES.arrayNode().add(5),
                    NODES.objectNode().put("usd", 5)));
        }

        /** An array nested {@code depth} levels deep; built as text because Jackson will not write it. */
        private static JsonNode nest(int depth) {
            return NODES.textNode("@@nest:" + depth + "@@");
        }

        Planned notJson(String key) {
            byte[] value;
            String recipe;
            switch (rnd.nextInt(8)) {
                case 7 -> {
                    // Valid JSON as far as a lenient decoder goes: only the strict one sees that it is no UTF-8.
                    byte[] bad = pick(NOT_UTF8);
                    String json = text(base());
                    int at = json.indexOf("Fuzz hostile") + rnd.nextInt(12);
                    byte[] head = json.substring(0, at).getBytes(StandardCharsets.UTF_8);
                    byte[] tail = json.substring(at).getBytes(StandardCharsets.UTF_8);
                    value = new byte[head.length + bad.length + tail.length];
                    System.arraycopy(head, 0, value, 0, head.length);
                    System.arraycopy(bad, 0, value, head.length, bad.length);
                    System.arraycopy(tail, 0, value, head.length + bad.length, tail.length);
                    recipe = "invalid UTF-8 " + HexFormat.of().formatHex(bad) + " in the prompt";
                }
                case 0 -> {
                    value = new byte[1 + rnd.nextInt(2_000)];
                    rnd.nextBytes(value);
                    value[0] = (byte) "#}])x@<%'?!".charAt(rnd.nextInt(11));
                    recipe = "random bytes";
                }
                case 1 -> {
                    String whole = text(base());
                    value = whole.substring(0, 1 + rnd.nextInt(whole.length() - 1)).getBytes(StandardCharsets.UTF_8);
                    recipe = "truncated JSON";
                }
                case 2 -> {
                    byte[] head = "{\"prompt\":\"bad utf8 ".getBytes(StandardCharsets.UTF_8);
                    value = new byte[head.length + 4];
                    System.arraycopy(head, 0, value, 0, head.length);
                    value[head.length] = (byte) 0xC3;
                    value[head.length + 1] = (byte) 0x28;
                    value[head.length + 2] = '"';
                    value[head.length + 3] = '}';
                    recipe = "invalid UTF-8";
                }
                case 3 -> {
                    value = pick(List.of("{\"prompt\":\"x\",\"maxCostUsd\":NaN}", "{'prompt':'single quotes'}",
                            "{\"prompt\":\"x\",}", "{prompt:\"x\"}", "// comment\n{}",
                            "{\"prompt\":\"x\"\u0000}", "\u0000", "{\"a\":\"\r\n\"}", "{\"prompt\":\"x\",\"k\\ud800\":1}",
                            "{\"prompt\":\"x\"} trailing", "{\"prompt\":\"x\"}{}")).getBytes(StandardCharsets.UTF_8);
                    recipe = "almost JSON";
                }
                case 4 -> {
                    value = rnd.nextBoolean() ? null : new byte[0];
                    recipe = value == null ? "null value" : "empty value";
                }
                case 5 -> {
                    value = ("<?xml version=\"1.0\"?><job prompt=\"" + pick(ODD) + "\"/>").getBytes(StandardCharsets.UTF_8);
                    recipe = "XML";
                }
                default -> {
                    value = ("prompt=" + pick(ODD) + "&seconds=8").getBytes(StandardCharsets.UTF_8);
                    recipe = "form data";
                }
            }
            return new Planned(key, value, Expect.DEAD_LETTER, (key == null ? "unkeyed " : "") + recipe);
        }

        Planned notAnObject() {
            String text = pick(List.of("[" + text(base()) + "]", text(NODES.textNode(pick(ODD))), "42", "-1.5e300",
                    "true", "null", "[]", "@@nest:" + (1_001 + rnd.nextInt(9_000)) + "@@"));
            String value = expand(text);
            boolean keyed = rnd.nextBoolean();
            return new Planned(keyed ? key() : null, value.getBytes(StandardCharsets.UTF_8), Expect.REJECTED,
                    (keyed ? "" : "unkeyed ") + "top-level " + clip(text));
        }

        Planned badKey() {
            String key = pick(List.of(" ", "\t", "ctl\u0001" + serial, "crlf\r\n" + serial, "nul\u0000" + serial,
                    "k".repeat(201 + rnd.nextInt(100_000)), "del\u007f" + serial, run + pick(UNSAFE_IN_IDS) + serial,
                    pick(INVISIBLE)));
            serial++;
            ObjectNode body = base();
            body.remove("jobId");
            return new Planned(key, bytes(body), Expect.REJECTED, "unusable key " + clip(key));
        }

        Planned tooLarge() {
            ObjectNode body = base();
            String text = text(body);
            int pad = MAX_BYTES + 1 + rnd.nextInt(100) - text.length() - 12;
            body.put("padding", "p".repeat(pad));
            String key = key();
            byte[] value = text(body).getBytes(StandardCharsets.UTF_8);
            return new Planned(key, value, Expect.REJECTED, "just over max-bytes (" + value.length + " bytes)");
        }

        Planned hugeNotJson() {
            byte[] value = new byte[MAX_BYTES - rnd.nextInt(200)];
            rnd.nextBytes(value);
            value[0] = 'x';
            return new Planned(key(), value, Expect.DEAD_LETTER, "random bytes just under max-bytes (" + value.length
                    + " bytes)");
        }

        /**
         * An odd text for a field name. Not a lone surrogate: Jackson refuses one in a name ("broken surrogate pair"),
         * so the worker treats such a document as not JSON (a dead letter), see {@link #notJson}.
         */
        private String oddName() {
            return pick(ODD).replace(LONE_HIGH, "").replace(LONE_LOW, "");
        }

        private <T> T pick(List<T> options) {
            return options.get(rnd.nextInt(options.size()));
        }

        private static byte[] bytes(ObjectNode body) {
            return text(body).getBytes(StandardCharsets.UTF_8);
        }

        private static String text(JsonNode body) {
            try {
                return expand(JSON.writeValueAsString(body));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** Replaces the placeholders by what the serialiser cannot write. */
        static String expand(String json) {
            String out = json.replace(LONE_HIGH, "\\ud800").replace(LONE_LOW, "\\udfff")
                    .replace("\"" + LONG_NUMBER + "\"", "1".repeat(1_500));
            for (int i = 0; i < RAW.size(); i++) {
                out = out.replace("\"@@raw:" + i + "@@\"", RAW.get(i));
            }
            int start;
            while ((start = out.indexOf("@@nest:")) >= 0) {
                int end = out.indexOf("@@", start + 7);
                int depth = Integer.parseInt(out.substring(start + 7, end));
                boolean quoted = start > 0 && out.charAt(start - 1) == '"';
                int from = quoted ? start - 1 : start;
                int to = quoted ? end + 3 : end + 2;
                out = out.substring(0, from) + "[".repeat(depth) + "]".repeat(depth) + out.substring(to);
            }
            return out;
        }
    }
}

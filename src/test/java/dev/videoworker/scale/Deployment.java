package dev.videoworker.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringSerializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.testing.KafkaBroker;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;

/**
 * The topics, consumer group and transactional ids of one multi-process test, with a producer of requests and a
 * {@code read_committed} recorder of everything the workers publish; every test gets its own, so nothing one test
 * leaves behind is seen by another.
 */
final class Deployment implements AutoCloseable {

    private static final List<String> STATUS_ORDER =
            List.of("accepted", "submitted", "queued", "in_progress", "generated", "storing", "stored");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScaleStack stack;
    private final int partitions;
    private final String prefix;
    private final String requests;
    private final String jobsTopic;
    private final String status;
    private final String completed;
    private final String dlq;
    private final String group;
    private final KafkaProducer<String, String> producer;
    private final TopicRecorder recorder;

    Deployment(ScaleStack stack, String name, int partitions) {
        this.stack = stack;
        this.partitions = partitions;
        this.prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.requests = prefix + ".video.requests";
        this.jobsTopic = prefix + ".video.jobs";
        this.status = prefix + ".video.status";
        this.completed = prefix + ".video.completed";
        this.dlq = prefix + ".video.requests.dlq";
        this.group = prefix + "-workers";
        KafkaBroker broker = stack.broker();
        // Created before any replica starts, as an operator would: the job topic mirrors the request topic.
        broker.createTopic(requests, partitions, Map.of());
        broker.createTopic(jobsTopic, partitions,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        broker.createTopic(status, partitions, Map.of());
        broker.createTopic(completed, partitions, Map.of());
        broker.createTopic(dlq, partitions, Map.of());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        this.recorder = new TopicRecorder(broker.bootstrapServers(), List.of(status, completed, dlq));
    }

    /** The settings of one replica named {@code replica}: this deployment's topics and group, the stack's servers. */
    Map<String, String> workerConfig(String replica) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("kafka.bootstrap.servers", stack.broker().bootstrapServers());
        config.put("worker.topics.requests", requests);
        config.put("worker.topics.jobs", jobsTopic);
        config.put("worker.topics.status", status);
        config.put("worker.topics.completed", completed);
        config.put("worker.topics.dlq", dlq);
        config.put("worker.topics.partitions", String.valueOf(partitions));
        config.put("worker.jobs.transactional-id-prefix", prefix);
        // A job found in `submitting` after a kill waits this long before it is reconciled: short keeps recovery quick.
        config.put("worker.jobs.create-timeout", "5s");
        // The simulator's list shows a video at once: a short search before a new create keeps recovery quick too.
        config.put("worker.jobs.reconcile-window", "6s");
        config.put("worker.poll.interval", "200ms");
        config.put("worker.poll.min-interval", "50ms");
        config.put("worker.poll.max-interval", "200ms");
        config.put("worker.storage.endpoint", stack.s3().endpoint());
        config.put("worker.storage.access-key", stack.s3().accessKey());
        config.put("worker.storage.secret-key", stack.s3().secretKey());
        config.put("worker.provider.base-url", stack.provider().baseUrl());
        config.put("worker.provider.api-key", ScaleStack.API_KEY);
        // The checks compare each stored copy with the provider's, so the provider keeps its copies.
        config.put("worker.provider.delete-after-store", "false");
        config.put("simulator.enabled", "false");
        String channel = "mp.messaging.incoming.video-requests.";
        config.put(channel + "group.id", group);
        // Names the replica in the group description, so the test knows which partitions it owns.
        config.put(channel + "client.id", replica);
        // A killed replica holds its partitions until its session times out (45 s by default); the broker's
        // minimum is 6 s.
        config.put(channel + "session.timeout.ms", "6000");
        config.put(channel + "heartbeat.interval.ms", "1000");
        return config;
    }

    /**
     * Waits until each job has completed, then a little longer to see that none completes twice and nothing went to
     * the dead-letter topic; returns their completions, in the order of {@code jobs}.
     */
    List<JsonNode> awaitOneCompletionEach(Collection<Job> jobs, Duration allDone) throws Exception {
        await("every job completed").atMost(allDone).pollInterval(Duration.ofMillis(200))
                .until(() -> allCompleted(jobs));
        // A duplicate could only come later (a replayed request, a late writer): watch for a while.
        await("no job completed twice").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> jobs.stream().allMatch(j -> completions(j).size() == 1));
        assertThat(allDeadLetters()).as("dead letters").isEmpty();
        List<JsonNode> out = new ArrayList<>();
        for (Job job : jobs) {
            out.add(JSON.readTree(completions(job).get(0).value()));
        }
        return out;
    }

    /** Sends {@code count} requests keyed by job id, each with its own prompt; returns them by job id. */
    Map<String, Job> send(int count) throws Exception {
        return send(0, count, "");
    }

    /**
     * Sends requests number {@code first} to {@code first + count - 1}, keyed by job id; each prompt is unique and ends
     * with {@code marker} (a simulator prompt marker, or empty). Returns them by job id once the broker has them.
     */
    Map<String, Job> send(int first, int count, String marker) throws Exception {
        Map<String, Future<RecordMetadata>> sent = new LinkedHashMap<>();
        Map<String, String> prompts = new HashMap<>();
        for (int i = first; i < first + count; i++) {
            String id = prefix + "-job-" + i;
            String prompt = "A paper lantern drifting over a river at night take " + i + " of " + prefix + marker;
            prompts.put(id, prompt);
            // Plain words only: the prompt goes into the JSON body as it is.
            String body = "{\"prompt\":\"" + prompt + "\",\"seconds\":\"4\"}";
            sent.put(id, producer.send(new ProducerRecord<>(requests, id, body)));
        }
        Map<String, Job> jobs = new LinkedHashMap<>();
        for (Map.Entry<String, Future<RecordMetadata>> e : sent.entrySet()) {
            int partition = e.getValue().get(10, TimeUnit.SECONDS).partition();
            jobs.put(e.getKey(), new Job(e.getKey(), prompts.get(e.getKey()), partition));
        }
        return jobs;
    }

    /** Sends one request record without a key to {@code partition} (its body names the job), once the broker has it. */
    void sendUnkeyed(int partition, String body) throws Exception {
        producer.send(new ProducerRecord<>(requests, partition, null, body)).get(10, TimeUnit.SECONDS);
    }

    /** Sends one request record as it is, keyed {@code jobId}, once the broker has it. */
    void sendRaw(String jobId, String body) throws Exception {
        producer.send(new ProducerRecord<>(requests, jobId, body)).get(10, TimeUnit.SECONDS);
    }

    /**
     * Waits until {@code members} replicas share every request partition and no rebalance is under way; returns
     * each replica's partitions by its name.
     */
    Map<String, Set<Integer>> awaitAssignment(int members) {
        Map<String, Set<Integer>> owners = new TreeMap<>();
        await(members + " replicas owning all " + partitions + " partitions of " + requests)
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    owners.clear();
                    owners.putAll(assignment());
                    int owned = owners.values().stream().mapToInt(Set::size).sum();
                    return owners.size() == members && owned == partitions
                            && owners.values().stream().noneMatch(Set::isEmpty);
                });
        return owners;
    }

    /** Waits until {@code replica} alone owns every request partition (another member may still be leaving). */
    void awaitSoleOwner(String replica) {
        await(replica + " owning all " + partitions + " partitions of " + requests).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<String, Set<Integer>> owners = assignment();
                    return owners.getOrDefault(replica, Set.of()).size() == partitions
                            && owners.entrySet().stream().filter(e -> !e.getKey().equals(replica))
                                    .allMatch(e -> e.getValue().isEmpty());
                });
    }

    private Map<String, Set<Integer>> assignment() throws Exception {
        try (Admin admin = stack.broker().admin()) {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                    .describedGroups().get(group).get(10, TimeUnit.SECONDS);
            Map<String, Set<Integer>> owners = new HashMap<>();
            for (MemberDescription member : description.members()) {
                Set<Integer> owned = new TreeSet<>();
                for (TopicPartition tp : member.assignment().topicPartitions()) {
                    if (tp.topic().equals(requests)) {
                        owned.add(tp.partition());
                    }
                }
                owners.put(member.clientId(), owned);
            }
            return owners;
        }
    }

    List<TopicRecorder.Seen> completions(Job job) {
        return recorder.records(completed, job.id());
    }

    /** Every record on the completion topic so far, whatever its key. */
    List<TopicRecorder.Seen> allCompletions() {
        return recorder.records(completed);
    }

    /** Every record on the dead-letter topic so far, whatever its key. */
    List<TopicRecorder.Seen> allDeadLetters() {
        return recorder.records(dlq);
    }

    boolean allCompleted(Collection<Job> jobs) {
        return jobs.stream().allMatch(j -> !completions(j).isEmpty());
    }

    /** The job's status events in order, with the progress of {@code in_progress}, e.g. {@code in_progress/40}. */
    List<String> statuses(Job job) throws IOException {
        List<String> out = new ArrayList<>();
        for (TopicRecorder.Seen seen : recorder.records(status, job.id())) {
            JsonNode event = JSON.readTree(seen.value());
            String name = event.path("status").asText();
            out.add(name.equals("in_progress") ? name + "/" + event.path("progress").asInt() : name);
        }
        return out;
    }

    String lastStatus(Job job) {
        List<TopicRecorder.Seen> seen = recorder.records(status, job.id());
        if (seen.isEmpty()) {
            return null;
        }
        try {
            return JSON.readTree(seen.get(seen.size() - 1).value()).path("status").asText();
        } catch (IOException e) {
            throw new IllegalStateException("unreadable status event of " + job.id(), e);
        }
    }

    /** How many of {@code jobs} were last seen in one of {@code statuses}; {@code null}: not seen at all yet. */
    long count(Collection<Job> jobs, Set<String> statuses) {
        return jobs.stream().filter(j -> {
            String last = lastStatus(j);
            return statuses == null ? last == null : last != null && statuses.contains(last);
        }).count();
    }

    /** The jobs by last committed status ({@code none}: no event yet): the picture at an interesting instant. */
    Map<String, Integer> census(Collection<Job> jobs) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Job job : jobs) {
            String last = lastStatus(job);
            counts.merge(last == null ? "none" : last, 1, Integer::sum);
        }
        return counts;
    }

    /**
     * Every job ended once and succeeded, none was dead-lettered, its video was created once at the provider (the one
     * the completion names), and the stored object is byte for byte the simulator's content, as the completion says.
     */
    void assertEveryJobCompletedOnce(Collection<Job> jobs, Duration allDone) throws Exception {
        awaitOneCompletionEach(jobs, allDone);
        for (Job job : jobs) {
            JsonNode completion = JSON.readTree(completions(job).get(0).value());
            assertThat(completion.path("outcome").asText()).as("outcome of %s: %s", job.id(), completion)
                    .isEqualTo("succeeded");
            assertThat(stack.provider().simulator().createCount(job.prompt())).as("create calls for %s", job.id())
                    .isEqualTo(1);
            String paidFor = stack.provider().simulator().videos().stream()
                    .filter(v -> job.prompt().equals(v.prompt())).findFirst().orElseThrow().id();
            assertThat(completion.path("videoId").asText()).as("video of %s", job.id()).isEqualTo(paidFor);

            JsonNode video = completion.path("video");
            String bucket = video.path("bucket").asText();
            String key = video.path("key").asText();
            String expected = stack.contentSha256(paidFor);
            assertThat(video.path("sha256").asText()).as("sha256 announced for %s", key).isEqualTo(expected);
            StatObjectResponse stat = stack.minio()
                    .statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            assertThat(stat.size()).as("size of %s", key).isEqualTo(video.path("bytes").asLong());
            assertThat(stack.objectSha256(bucket, key)).as("sha256 of the stored %s", key).isEqualTo(expected);
        }
    }

    /**
     * What a status consumer sees across a takeover, printed: repeats and steps back of statuses before {@code stored}
     * are allowed (a new owner re-announces where a job stands). Returns the histories of the jobs with any status
     * after their first {@code stored}, which the guarantees rule out (a repeated {@code stored} is a re-announcement
     * of a redelivered request and allowed); every job must have been stored.
     */
    List<String> reportStatusHistories(Collection<Job> jobs) throws IOException {
        int withRepeats = 0;
        int withStepsBack = 0;
        List<String> examples = new ArrayList<>();
        List<String> changedAfterStored = new ArrayList<>();
        for (Job job : jobs) {
            List<String> history = statuses(job);
            assertThat(history).as("statuses of %s", job.id()).contains("stored");
            List<String> afterStored = history.subList(history.indexOf("stored"), history.size());
            if (afterStored.stream().anyMatch(s -> !s.equals("stored"))) {
                changedAfterStored.add(job.id() + "=" + history);
            }
            boolean repeats = history.size() != new TreeSet<>(history).size();
            boolean stepsBack = false;
            for (int i = 1; i < history.size(); i++) {
                stepsBack |= rank(history.get(i)) < rank(history.get(i - 1));
            }
            withRepeats += repeats ? 1 : 0;
            withStepsBack += stepsBack ? 1 : 0;
            if ((repeats || stepsBack) && examples.size() < 3) {
                examples.add(job.id() + "=" + history);
            }
        }
        progress("%d jobs: %d with a repeated status, %d with a step back, %d with a status after stored %s; e.g. %s",
                jobs.size(), withRepeats, withStepsBack, changedAfterStored.size(), changedAfterStored, examples);
        return changedAfterStored;
    }

    /** Position of a status event in the lifecycle; progress counts within {@code in_progress}. */
    private static double rank(String event) {
        String[] parts = event.split("/");
        double progress = parts.length > 1 ? Integer.parseInt(parts[1]) / 1000.0 : 0;
        return STATUS_ORDER.indexOf(parts[0]) + progress;
    }

    /** Figures worth keeping from a run (what the instant of a kill looked like); shown in the test output. */
    static void progress(String format, Object... args) {
        System.out.printf("[scale] " + format + "%n", args);
    }

    @Override
    public void close() throws InterruptedException {
        producer.close(Duration.ofSeconds(5));
        recorder.close();
    }
}

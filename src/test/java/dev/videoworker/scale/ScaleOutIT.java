package dev.videoworker.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
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
import java.util.function.Predicate;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.simulator.SimulatorServer;
import dev.videoworker.simulator.SimulatorSettings;
import dev.videoworker.testing.KafkaBroker;
import dev.videoworker.testing.S3Server;
import dev.videoworker.testing.WorkerProcess;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;

/**
 * Proves the scale-out promise with real worker processes: kill a replica at any instant and another one finishes its
 * jobs, nothing is paid twice, and every request ends with exactly one completion.
 *
 * <p>Runs the packaged jar ({@code ./mvnw verify}); each replica's log is in {@code target/it-logs}. One broker, S3
 * server and provider simulator serve the class; every test gets its own topics, consumer group and transactional
 * ids, so nothing one test leaves behind is seen by another.
 */
class ScaleOutIT {

    private static final String API_KEY = "sk-test-FAKE-scale-out-0000";
    private static final int PARTITIONS = 6;
    /** Long enough for jobs to overlap a kill, short enough for the whole class to stay within a few minutes. */
    private static final Duration GENERATION_TIME = Duration.ofSeconds(4);
    private static final Duration ALL_DONE = Duration.ofSeconds(120);
    private static final List<String> STATUS_ORDER =
            List.of("accepted", "submitted", "queued", "in_progress", "generated", "storing", "stored");
    private static final Set<String> GENERATING = Set.of("submitted", "queued", "in_progress");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path WORK_DIR = Path.of("target", "it-data").toAbsolutePath();

    private static KafkaBroker broker;
    private static S3Server s3;
    private static SimulatorServer provider;
    private static MinioClient minio;

    private final List<WorkerProcess> workers = new ArrayList<>();
    private Deployment deployment;

    @BeforeAll
    static void startInfrastructure() throws InterruptedException {
        // Data under target/, not the shared /tmp: a broker whose log directory vanishes halts the whole JVM.
        broker = KafkaBroker.start(WORK_DIR.resolve("kafka"), true);
        s3 = S3Server.start();
        provider = SimulatorServer.start(SimulatorSettings.defaults().withApiKey(API_KEY)
                .withDuration(GENERATION_TIME).withFps(2).withCacheDir(WORK_DIR.resolve("simulator-media")),
                "127.0.0.1", 0);
        minio = MinioClient.builder().endpoint(s3.endpoint()).region("us-east-1")
                .credentials(s3.accessKey(), s3.secretKey()).build();
    }

    @AfterEach
    void stopWorkers() throws Exception {
        // Children first: a replica whose broker vanished spins on reconnects instead of exiting.
        workers.forEach(WorkerProcess::close);
        workers.clear();
        if (deployment != null) {
            deployment.close();
        }
    }

    @AfterAll
    static void stopInfrastructure() throws Exception {
        if (minio != null) {
            minio.close();
        }
        if (provider != null) {
            provider.close();
        }
        if (s3 != null) {
            s3.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void survivesAReplicaKilledMidRun() throws Exception {
        // The interesting instant: some of the victim's jobs are being generated, some not even started and,
        // preferably, one between its durable intent and the provider's answer (the create call may or may not have
        // happened: the new owner must find out instead of paying again). That last window is short, so the kill
        // does without it once few jobs are left unstarted.
        killOneOfTwoReplicas("kill", 40, victimJobs -> {
            long notStarted = count(victimJobs, null);
            return count(victimJobs, GENERATING) >= 2 && notStarted >= 1
                    && (count(victimJobs, Set.of("accepted")) >= 1 || notStarted <= 3);
        });
    }

    @Test
    void survivesAReplicaKilledWhileStoring() throws Exception {
        // Later in the jobs' lives: a video generated and possibly half uploaded. The window is short, so the kill
        // does without it once nearly all of the victim's jobs are stored.
        killOneOfTwoReplicas("store", 24, victimJobs -> count(victimJobs, Set.of("generated", "storing")) >= 1
                || count(victimJobs, Set.of("stored")) >= victimJobs.size() - 2);
    }

    /**
     * Runs {@code jobs} requests on two replicas and SIGKILLs the one whose jobs first meet {@code killWhen}; the
     * other must take its partitions over and finish everything.
     */
    private void killOneOfTwoReplicas(String name, int jobCount, Predicate<List<Job>> killWhen) throws Exception {
        deployment = new Deployment(name);
        WorkerProcess victim = start(name + "-a");
        WorkerProcess survivor = start(name + "-b");
        victim.awaitReady();
        survivor.awaitReady();
        Set<Integer> victimPartitions = deployment.awaitAssignment(2).get(victim.name());

        Map<String, Job> jobs = deployment.send(jobCount);
        List<Job> victimJobs = jobs.values().stream().filter(j -> victimPartitions.contains(j.partition())).toList();
        assertThat(victimJobs).as("jobs on the partitions of the replica to be killed").isNotEmpty();

        await("the instant to kill " + victim.name()).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> killWhen.test(victimJobs));
        Map<String, Integer> atKill = deployment.census(victimJobs);
        victim.kill();
        progress("killed %s owning partitions %s; its jobs by last committed status: %s", victim.name(),
                victimPartitions, atKill);

        Map<String, Set<Integer>> after = deployment.awaitAssignment(1);
        assertThat(after.get(survivor.name())).as("partitions of the survivor").hasSize(PARTITIONS);

        assertEveryJobCompletedOnce(jobs);
        reportStatusHistories(jobs);
    }

    @Test
    void restartsWhereItLeftOffAfterSigterm() throws Exception {
        deployment = new Deployment("term");
        WorkerProcess first = start("term-a").awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(20);
        List<Job> all = List.copyOf(jobs.values());
        await("some jobs generating").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> count(all, GENERATING) >= 3);
        Map<String, Integer> atTerm = deployment.census(all);
        long before = System.nanoTime();
        int exit = first.terminate(Duration.ofSeconds(30));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        progress("SIGTERM to %s: exit code %d after %d ms; jobs by last committed status at SIGTERM: %s, "
                + "at exit: %s", first.name(), exit, tookMs, atTerm, deployment.census(all));
        // SIGTERM runs the JVM's shutdown hooks (Quarkus stops there) and the JVM then exits 128 + 15.
        assertThat(exit).as("exit code of a replica stopped with SIGTERM (see %s)", first.logFile()).isEqualTo(143);

        start("term-b").awaitReady();
        assertEveryJobCompletedOnce(jobs);
        reportStatusHistories(jobs);
    }

    @Test
    void scalesOutWhenAReplicaJoins() throws Exception {
        deployment = new Deployment("join");
        WorkerProcess first = start("join-a").awaitReady();
        deployment.awaitAssignment(1);

        Map<String, Job> jobs = deployment.send(30);
        List<Job> all = List.copyOf(jobs.values());
        await("some jobs generating").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> count(all, GENERATING) >= 3);
        Map<String, Integer> atJoin = deployment.census(all);
        WorkerProcess second = start("join-b").awaitReady();
        Map<String, Set<Integer>> owners = deployment.awaitAssignment(2);
        progress("%s joined and took partitions %s from %s; jobs by last committed status at the join: %s",
                second.name(), owners.get(second.name()), first.name(), atJoin);

        assertEveryJobCompletedOnce(jobs);
        reportStatusHistories(jobs);
    }

    private WorkerProcess start(String name) {
        WorkerProcess worker = WorkerProcess.start(name, deployment.workerConfig(name));
        workers.add(worker);
        return worker;
    }

    /**
     * Every job ended once and succeeded, none was dead-lettered, its video was created once at the provider (the one
     * the completion names), and the stored object is the one the completion describes.
     */
    private void assertEveryJobCompletedOnce(Map<String, Job> jobs) throws Exception {
        await("every job completed").atMost(ALL_DONE).pollInterval(Duration.ofMillis(200))
                .until(() -> jobs.values().stream().allMatch(j -> !deployment.completions(j).isEmpty()));
        // A duplicate could only come later (a replayed request, a late writer): watch for a while.
        await("no job completed twice").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> jobs.values().stream().allMatch(j -> deployment.completions(j).size() == 1));

        for (Job job : jobs.values()) {
            assertThat(deployment.deadLetters(job)).as("dead letters of %s", job.id()).isEmpty();
            JsonNode completion = JSON.readTree(deployment.completions(job).get(0).value());
            assertThat(completion.path("outcome").asText()).as("outcome of %s: %s", job.id(), completion)
                    .isEqualTo("succeeded");
            assertThat(provider.simulator().createCount(job.prompt())).as("create calls for %s", job.id())
                    .isEqualTo(1);
            String paidFor = provider.simulator().videos().stream().filter(v -> job.prompt().equals(v.prompt()))
                    .findFirst().orElseThrow().id();
            assertThat(completion.path("videoId").asText()).as("video of %s", job.id()).isEqualTo(paidFor);

            JsonNode video = completion.path("video");
            String bucket = video.path("bucket").asText();
            String key = video.path("key").asText();
            StatObjectResponse stat = minio.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
            assertThat(stat.size()).as("size of %s", key).isEqualTo(video.path("bytes").asLong());
            assertThat(sha256(bucket, key)).as("sha256 of %s", key).isEqualTo(video.path("sha256").asText());
        }
    }

    /**
     * What a status consumer sees across a takeover. Nothing may happen to a job after it is stored (a repeated
     * {@code stored} is a re-announcement of a redelivered request); repeats and steps back of earlier statuses are
     * reported, not asserted: a new owner re-announces where a job stands.
     */
    private void reportStatusHistories(Map<String, Job> jobs) throws IOException {
        int withRepeats = 0;
        int withStepsBack = 0;
        List<String> examples = new ArrayList<>();
        for (Job job : jobs.values()) {
            List<String> history = deployment.statuses(job);
            assertThat(history).as("statuses of %s", job.id()).contains("stored");
            List<String> afterStored = history.subList(history.indexOf("stored"), history.size());
            assertThat(afterStored).as("statuses of %s from its first stored on", job.id()).containsOnly("stored");
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
        progress("%d jobs: %d with a repeated status, %d with a step back; e.g. %s", jobs.size(), withRepeats,
                withStepsBack, examples);
    }

    /** Position of a status event in the lifecycle; progress counts within {@code in_progress}. */
    private static double rank(String event) {
        String[] parts = event.split("/");
        double progress = parts.length > 1 ? Integer.parseInt(parts[1]) / 1000.0 : 0;
        return STATUS_ORDER.indexOf(parts[0]) + progress;
    }

    /** How many of {@code jobs} were last seen in one of {@code statuses}; {@code null}: not seen at all yet. */
    private long count(List<Job> jobs, Set<String> statuses) {
        return jobs.stream().filter(j -> {
            String last = deployment.lastStatus(j);
            return statuses == null ? last == null : last != null && statuses.contains(last);
        }).count();
    }

    private static String sha256(String bucket, String key) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = minio.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Figures worth keeping from a run (what the instant of the kill looked like); shown in the test output. */
    private static void progress(String format, Object... args) {
        System.out.printf("[ScaleOutIT] " + format + "%n", args);
    }

    /** A request sent: its job id, its unique prompt (the key of the simulator's create count) and its partition. */
    private record Job(String id, String prompt, int partition) {
    }

    /** The topics, consumer group and transactional ids of one test, with a producer and a recorder on them. */
    private static final class Deployment implements AutoCloseable {

        private final String prefix;
        private final String requests;
        private final String jobsTopic;
        private final String status;
        private final String completed;
        private final String dlq;
        private final String group;
        private final KafkaProducer<String, String> producer;
        private final TopicRecorder recorder;

        Deployment(String name) {
            this.prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
            this.requests = prefix + ".video.requests";
            this.jobsTopic = prefix + ".video.jobs";
            this.status = prefix + ".video.status";
            this.completed = prefix + ".video.completed";
            this.dlq = prefix + ".video.requests.dlq";
            this.group = prefix + "-workers";
            // Created before any replica starts, as an operator would: the job topic mirrors the request topic.
            broker.createTopic(requests, PARTITIONS, Map.of());
            broker.createTopic(jobsTopic, PARTITIONS,
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            broker.createTopic(status, PARTITIONS, Map.of());
            broker.createTopic(completed, PARTITIONS, Map.of());
            broker.createTopic(dlq, PARTITIONS, Map.of());
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
            this.recorder = new TopicRecorder(broker.bootstrapServers(), List.of(status, completed, dlq));
        }

        Map<String, String> workerConfig(String replica) {
            Map<String, String> config = new LinkedHashMap<>();
            config.put("kafka.bootstrap.servers", broker.bootstrapServers());
            config.put("worker.topics.requests", requests);
            config.put("worker.topics.jobs", jobsTopic);
            config.put("worker.topics.status", status);
            config.put("worker.topics.completed", completed);
            config.put("worker.topics.dlq", dlq);
            config.put("worker.topics.partitions", String.valueOf(PARTITIONS));
            config.put("worker.jobs.transactional-id-prefix", prefix);
            config.put("worker.jobs.create-timeout", "5s");
            config.put("worker.poll.interval", "200ms");
            config.put("worker.storage.endpoint", s3.endpoint());
            config.put("worker.storage.access-key", s3.accessKey());
            config.put("worker.storage.secret-key", s3.secretKey());
            config.put("worker.provider.base-url", provider.baseUrl());
            config.put("worker.provider.api-key", API_KEY);
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

        /** Sends {@code count} requests keyed by job id, each with its own prompt; returns them by job id. */
        Map<String, Job> send(int count) throws Exception {
            Map<String, Future<RecordMetadata>> sent = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String id = prefix + "-job-" + i;
                // Plain words only: the prompt goes into the JSON body as it is.
                String body = "{\"prompt\":\"" + prompt(i) + "\",\"seconds\":\"4\"}";
                sent.put(id, producer.send(new ProducerRecord<>(requests, id, body)));
            }
            Map<String, Job> jobs = new LinkedHashMap<>();
            int i = 0;
            for (Map.Entry<String, Future<RecordMetadata>> e : sent.entrySet()) {
                int partition = e.getValue().get(10, TimeUnit.SECONDS).partition();
                jobs.put(e.getKey(), new Job(e.getKey(), prompt(i++), partition));
            }
            return jobs;
        }

        private String prompt(int i) {
            return "A paper lantern drifting over a river at night take " + i + " of " + prefix;
        }

        /**
         * Waits until {@code members} replicas share every request partition and no rebalance is under way; returns
         * each replica's partitions by its name.
         */
        Map<String, Set<Integer>> awaitAssignment(int members) {
            Map<String, Set<Integer>> owners = new TreeMap<>();
            await(members + " replicas owning all " + PARTITIONS + " partitions of " + requests)
                    .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        owners.clear();
                        owners.putAll(assignment());
                        int owned = owners.values().stream().mapToInt(Set::size).sum();
                        return owners.size() == members && owned == PARTITIONS
                                && owners.values().stream().noneMatch(Set::isEmpty);
                    });
            return owners;
        }

        private Map<String, Set<Integer>> assignment() throws Exception {
            try (Admin admin = broker.admin()) {
                ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                        .describedGroups().get(group).get(10, TimeUnit.SECONDS);
                Map<String, Set<Integer>> owners = new HashMap<>();
                for (MemberDescription member : description.members()) {
                    Set<Integer> partitions = new TreeSet<>();
                    for (TopicPartition tp : member.assignment().topicPartitions()) {
                        if (tp.topic().equals(requests)) {
                            partitions.add(tp.partition());
                        }
                    }
                    owners.put(member.clientId(), partitions);
                }
                return owners;
            }
        }

        List<TopicRecorder.Seen> completions(Job job) {
            return recorder.records(completed, job.id());
        }

        List<TopicRecorder.Seen> deadLetters(Job job) {
            return recorder.records(dlq, job.id());
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

        /** The jobs by last committed status ({@code none}: no event yet): the picture at an interesting instant. */
        Map<String, Integer> census(List<Job> jobs) {
            Map<String, Integer> counts = new TreeMap<>();
            for (Job job : jobs) {
                String last = lastStatus(job);
                counts.merge(last == null ? "none" : last, 1, Integer::sum);
            }
            return counts;
        }

        @Override
        public void close() throws InterruptedException {
            producer.close(Duration.ofSeconds(5));
            recorder.close();
        }
    }
}

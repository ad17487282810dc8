package dev.videoworker.journal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import dev.videoworker.config.KafkaClientProps;
import dev.videoworker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Creates the worker's topics when missing, and refuses to start when the job-state topic cannot mirror the request
 * topic's partitions (a job's state lives on the partition number of its request) or when finished jobs would be
 * forgotten while their requests can still be read again.
 */
@ApplicationScoped
public class TopicSetup {

    private final WorkerConfig.Topics topics;
    private final WorkerConfig.Jobs jobs;
    private final Map<String, Object> adminConfig;
    private final boolean classDataTraining;
    private volatile int requestPartitions;
    private volatile Optional<Duration> tombstoneAfter = Optional.empty();

    /**
     * With the application's shared Kafka settings ({@code kafka.*}: servers, security, metric reporters), as every
     * client the worker makes itself: a broker that needs credentials gets them from its topic check too.
     */
    @Inject
    public TopicSetup(WorkerConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.topics = config.topics();
        this.jobs = config.jobs();
        this.classDataTraining = config.classDataTraining().enabled();
        this.adminConfig = KafkaClientProps.admin(kafkaConfig, "topic-setup");
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    }

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (classDataTraining) {
            // A start that records classes runs without a broker (worker.class-data-training): nothing to check.
            return;
        }
        try (Admin admin = Admin.create(adminConfig)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            boolean requestsExisted = existing.contains(topics.requests());
            // Decided before anything is created, so a refused start leaves no topics behind.
            Optional<Duration> forgetAfter = forgetting(jobs, requestsExisted ? describeRetention(admin)
                    : RequestTopicRetention.created(topics.requests()));
            if (topics.create()) {
                createMissing(admin, existing);
            }
            checkPartitions(admin);
            if (!requestsExisted) {
                // Someone else (another replica, a producer's auto-creation) may have created it meanwhile.
                forgetAfter = forgetting(jobs, describeRetention(admin));
            }
            tombstoneAfter = forgetAfter;
        }
    }

    /**
     * How long after their end finished jobs may be tombstoned, as decided at start-up; empty before the start and
     * when the request topic keeps records forever (a forgotten job's request could always come back).
     */
    public Optional<Duration> tombstoneAfter() {
        return tombstoneAfter;
    }

    /**
     * The rule that keeps a forgotten job from being paid for twice: after a lost or reset consumer offset the request
     * consumer reads every record still in the request topic again ({@code auto.offset.reset=earliest}), and a request
     * whose job is no longer known is a new job. So a job may only be forgotten once its request cannot be read any
     * more (a job ends after its request was written): {@code tombstone-after} at least the longest a record stays
     * readable plus the margin. A topic that keeps records forever turns tombstones off rather than refusing to start:
     * the operator may not own the topic, and remembering every job costs memory and journal space, never money.
     */
    static Optional<Duration> forgetting(WorkerConfig.Jobs jobs, RequestTopicRetention topic) {
        if (topic.keepsForever()) {
            Log.warnf("%s keeps records forever (cleanup.policy=%s, retention.ms=%s): finished jobs are never "
                    + "tombstoned, so a request read again is always recognised, but the job topic and every "
                    + "replica's memory (a small marker per job) grow with every job. Give %s cleanup.policy=delete "
                    + "and a retention.ms to let the worker forget jobs after worker.jobs.tombstone-after.",
                    topic.topic(), topic.cleanupPolicy(),
                    topic.retention().map(r -> String.valueOf(r.toMillis())).orElse("-1"), topic.topic());
            return Optional.empty();
        }
        Duration needed = topic.longestReadable().plus(jobs.tombstoneMargin());
        if (jobs.tombstoneAfter().compareTo(needed) < 0) {
            throw new IllegalStateException("worker.jobs.tombstone-after ("
                    + RequestTopicRetention.readable(jobs.tombstoneAfter()) + ") must be at least "
                    + RequestTopicRetention.readable(needed) + ": a record of " + topic.topic()
                    + " can be read again up to retention.ms ("
                    + RequestTopicRetention.readable(topic.retention().orElseThrow()) + ") + segment.ms ("
                    + RequestTopicRetention.readable(topic.segment()) + ") after it was written (after a lost or "
                    + "reset consumer offset, auto.offset.reset=earliest reads it again), plus "
                    + "worker.jobs.tombstone-margin (" + RequestTopicRetention.readable(jobs.tombstoneMargin())
                    + "); a job tombstoned earlier would be submitted and paid for again. Set "
                    + "worker.jobs.tombstone-after to " + RequestTopicRetention.readable(needed) + " or more, or "
                    + "lower retention.ms or segment.ms of " + topic.topic() + ", and start again.");
        }
        return Optional.of(jobs.tombstoneAfter());
    }

    private RequestTopicRetention describeRetention(Admin admin)
            throws InterruptedException, ExecutionException, TimeoutException {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topics.requests());
        Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        return RequestTopicRetention.of(topics.requests(), config);
    }

    private void createMissing(Admin admin, Set<String> existing)
            throws InterruptedException, ExecutionException, TimeoutException {
        int requestPartitions = existing.contains(topics.requests())
                ? describe(admin, topics.requests()).partitions().size()
                : topics.partitions();
        List<NewTopic> missing = new ArrayList<>();
        if (!existing.contains(topics.requests())) {
            missing.add(new NewTopic(topics.requests(), requestPartitions, topics.replicationFactor())
                    .configs(requestTopicConfig()));
        }
        for (String name : List.of(topics.status(), topics.completed(), topics.dlq())) {
            if (!existing.contains(name)) {
                missing.add(new NewTopic(name, topics.partitions(), topics.replicationFactor()));
            }
        }
        if (!existing.contains(topics.jobs())) {
            missing.add(new NewTopic(topics.jobs(), requestPartitions, topics.replicationFactor())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        for (NewTopic topic : missing) {
            try {
                admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                Log.infof("created topic %s with %d partitions", topic.name(), topic.numPartitions());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
    }

    /** The retention {@link RequestTopicRetention#created} describes, so the check and the created topic agree. */
    private Map<String, String> requestTopicConfig() {
        RequestTopicRetention created = RequestTopicRetention.created(topics.requests());
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, created.cleanupPolicy(),
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(created.retention().orElseThrow().toMillis()),
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(created.segment().toMillis()));
    }

    private void checkPartitions(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
        int requests = describe(admin, topics.requests()).partitions().size();
        requestPartitions = requests;
        int jobs = describe(admin, topics.jobs()).partitions().size();
        if (requests != jobs) {
            throw new IllegalStateException("Topic " + topics.jobs() + " has " + jobs + " partitions but "
                    + topics.requests() + " has " + requests + ": a job's state lives on the partition number of "
                    + "its request, so both must have the same count. Add partitions to the smaller one (or "
                    + "recreate " + topics.jobs() + " with " + requests + " partitions) and start again.");
        }
    }

    /** Partitions of the request topic, as found at start-up (0 before). */
    public int requestPartitions() {
        return requestPartitions;
    }

    /** Describes a topic; one created a moment ago may take a little while to be known to every broker. */
    private static TopicDescription describe(Admin admin, String topic)
            throws InterruptedException, ExecutionException, TimeoutException {
        long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > giveUpAt) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }
}

package dev.videoworker.job;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.videoworker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * Creates the worker's topics when missing, and refuses to start when the job-state topic cannot mirror the request
 * topic's partitions (a job's state lives on the partition number of its request).
 */
@ApplicationScoped
public class TopicSetup {

    private final WorkerConfig.Topics topics;
    private final String bootstrapServers;
    private volatile int requestPartitions;

    public TopicSetup(WorkerConfig config, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrapServers) {
        this.topics = config.topics();
        this.bootstrapServers = bootstrapServers;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event)
            throws InterruptedException, ExecutionException, TimeoutException {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            if (topics.create()) {
                createMissing(admin, existing);
            }
            checkPartitions(admin);
        }
    }

    private void createMissing(Admin admin, Set<String> existing)
            throws InterruptedException, ExecutionException, TimeoutException {
        int requestPartitions = existing.contains(topics.requests())
                ? describe(admin, topics.requests()).partitions().size()
                : topics.partitions();
        List<NewTopic> missing = new ArrayList<>();
        for (String name : List.of(topics.requests(), topics.status(), topics.completed(), topics.dlq())) {
            if (!existing.contains(name)) {
                missing.add(new NewTopic(name, name.equals(topics.requests()) ? requestPartitions
                        : topics.partitions(), topics.replicationFactor()));
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

package dev.videoworker.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.videoworker.config.WorkerConfig;
import io.smallrye.common.annotation.Identifier;

/**
 * Who owns which request partition, and how far behind each is: the request consumer group's members as the broker
 * describes them (a member is a replica, named by its {@code client.id}), with each partition's backlog (records written
 * but not yet committed by the group). Asked through an admin client of its own, at most once a second however many
 * pages ask (a broker round trip of three requests).
 */
@ApplicationScoped
public class ConsumerGroupStatus {

    /** How long an answer is reused. */
    static final Duration FRESH = Duration.ofSeconds(1);
    private static final long TIMEOUT_MS = 5_000;

    /** One request partition: its number, and how many of its records the group has not committed yet. */
    public record PartitionLag(int partition, long backlog) {
    }

    /** One member of the group: a replica, named by the client id it gave. */
    public record Member(String id, String host, List<PartitionLag> partitions) {
    }

    /** The group as the broker described it at {@code asOf}. */
    public record Snapshot(Instant asOf, String state, List<Member> members) {
    }

    private final Map<String, Object> kafkaConfig;
    private final String group;
    private final String topic;
    private final Clock clock = Clock.systemUTC();
    private Admin admin;
    private Snapshot last;

    @Inject
    public ConsumerGroupStatus(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            WorkerConfig config,
            @ConfigProperty(name = "mp.messaging.incoming.video-requests.group.id") String group) {
        this.kafkaConfig = kafkaConfig;
        this.group = group;
        this.topic = config.topics().requests();
    }

    /** The group now (or as of at most a second ago); throws when the broker does not answer within 5 s. */
    public synchronized Snapshot describe() throws InterruptedException, ExecutionException, TimeoutException {
        if (last != null && Duration.between(last.asOf(), clock.instant()).compareTo(FRESH) < 0) {
            return last;
        }
        Admin a = admin();
        ConsumerGroupDescription description = a.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (MemberDescription member : description.members()) {
            for (TopicPartition tp : member.assignment().topicPartitions()) {
                if (tp.topic().equals(topic)) {
                    ask.put(tp, OffsetSpec.latest());
                }
            }
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = ask.isEmpty() ? Map.of()
                : a.listOffsets(ask).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        List<Member> members = new ArrayList<>();
        for (MemberDescription member : description.members()) {
            List<PartitionLag> partitions = new ArrayList<>();
            for (TopicPartition tp : member.assignment().topicPartitions()) {
                if (!tp.topic().equals(topic)) {
                    continue;
                }
                ListOffsetsResult.ListOffsetsResultInfo end = ends.get(tp);
                OffsetAndMetadata at = committed.get(tp);
                long backlog = end == null ? 0 : Math.max(0, end.offset() - (at == null ? 0 : at.offset()));
                partitions.add(new PartitionLag(tp.partition(), backlog));
            }
            partitions.sort(Comparator.comparingInt(PartitionLag::partition));
            members.add(new Member(member.clientId(), member.host(), List.copyOf(partitions)));
        }
        members.sort(Comparator.comparing(Member::id).thenComparing(Member::host));
        last = new Snapshot(clock.instant(), description.groupState().toString(), List.copyOf(members));
        return last;
    }

    private Admin admin() {
        if (admin == null) {
            Map<String, Object> props = new HashMap<>();
            kafkaConfig.forEach((k, v) -> {
                if (AdminClientConfig.configNames().contains(k)) {
                    props.put(k, v);
                }
            });
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "fleet-status");
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS);
            admin = Admin.create(props);
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }
}

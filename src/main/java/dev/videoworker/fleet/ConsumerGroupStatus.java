package dev.videoworker.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

import dev.videoworker.config.KafkaClientProps;
import dev.videoworker.config.WorkerConfig;
import io.smallrye.common.annotation.Identifier;

/**
 * Who owns which request partition, and how far behind each is: the request consumer group's members as the broker
 * describes them (a member is a replica, named by its {@code client.id}), with each partition's backlog (records written
 * but not yet committed by the group). Asked through an admin client of its own, at most once a second however many
 * pages ask (four requests, 5 s in all).
 */
@ApplicationScoped
public class ConsumerGroupStatus {

    /** How long an answer is reused. */
    static final Duration FRESH = Duration.ofSeconds(1);
    private static final long TIMEOUT_MS = 5_000;

    /** One request partition: its number, and how many of its records the group has not committed yet. */
    public record PartitionLag(int partition, long backlog) {
    }

    /** One member of the group: a replica, named by the client id it gave ({@code memberId}: the group's own id). */
    public record Member(String memberId, String id, String host, List<PartitionLag> partitions) {
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
    private CompletableFuture<Snapshot> asking;
    private Throwable failure;
    private Instant failedAt;

    @Inject
    public ConsumerGroupStatus(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
            WorkerConfig config,
            @ConfigProperty(name = "mp.messaging.incoming.video-requests.group.id") String group) {
        this(kafkaConfig, group, config.topics().requests());
    }

    ConsumerGroupStatus(Map<String, Object> kafkaConfig, String group, String topic) {
        this.kafkaConfig = kafkaConfig;
        this.group = group;
        this.topic = topic;
    }

    /**
     * The group now, or as of at most a second ago; throws when the broker did not describe it within 5 s in all (a
     * failure is remembered for a second too, so a broker that is down is not asked by every caller). Callers that
     * come while the broker is being asked wait for that answer rather than asking again, without holding a lock.
     */
    public Snapshot describe() throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<Snapshot> answer;
        synchronized (this) {
            Instant now = clock.instant();
            if (last != null && Duration.between(last.asOf(), now).compareTo(FRESH) < 0) {
                return last;
            }
            if (failedAt != null && Duration.between(failedAt, now).compareTo(FRESH) < 0) {
                throw new ExecutionException(failure);
            }
            if (asking == null) {
                CompletableFuture<Snapshot> started = CompletableFuture.supplyAsync(this::ask);
                asking = started;
                started.whenComplete((snapshot, e) -> done(started, snapshot, e));
            }
            answer = asking;
        }
        try {
            return answer.get(TIMEOUT_MS + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof CompletionException c && c.getCause() != null
                    ? new ExecutionException(c.getCause()) : e;
        }
    }

    private synchronized void done(CompletableFuture<Snapshot> which, Snapshot snapshot, Throwable e) {
        if (asking == which) {
            asking = null;
        }
        if (e == null) {
            last = snapshot;
            failedAt = null;
        } else {
            failure = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            failedAt = clock.instant();
        }
    }

    /** Asks the broker: the group, its committed offsets, each assigned partition's first and end offsets. */
    private Snapshot ask() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        try {
            Admin a = admin();
            ConsumerGroupDescription description = a.describeConsumerGroups(List.of(group)).describedGroups()
                    .get(group).get(left(deadline), TimeUnit.NANOSECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(left(deadline), TimeUnit.NANOSECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (MemberDescription member : description.members()) {
                for (TopicPartition tp : member.assignment().topicPartitions()) {
                    if (tp.topic().equals(topic)) {
                        latest.put(tp, OffsetSpec.latest());
                        earliest.put(tp, OffsetSpec.earliest());
                    }
                }
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                    : a.listOffsets(latest).all().get(left(deadline), TimeUnit.NANOSECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                    : a.listOffsets(earliest).all().get(left(deadline), TimeUnit.NANOSECONDS);
            List<Member> members = new ArrayList<>();
            for (MemberDescription member : description.members()) {
                List<PartitionLag> partitions = new ArrayList<>();
                for (TopicPartition tp : member.assignment().topicPartitions()) {
                    if (tp.topic().equals(topic)) {
                        partitions.add(new PartitionLag(tp.partition(), backlog(ends.get(tp), starts.get(tp),
                                committed.get(tp))));
                    }
                }
                partitions.sort(Comparator.comparingInt(PartitionLag::partition));
                members.add(new Member(member.consumerId(), member.clientId(), member.host(),
                        List.copyOf(partitions)));
            }
            members.sort(Comparator.comparing(Member::id).thenComparing(Member::memberId));
            return new Snapshot(clock.instant(), description.groupState().toString(), List.copyOf(members));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        } catch (ExecutionException e) {
            throw new CompletionException(e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            throw new CompletionException(e);
        }
    }

    /** Records of a partition not yet committed by the group: from its committed offset, or its first one. */
    static long backlog(ListOffsetsResult.ListOffsetsResultInfo end, ListOffsetsResult.ListOffsetsResultInfo start,
            OffsetAndMetadata committed) {
        if (end == null) {
            return 0;
        }
        long from = Math.max(start == null ? 0 : start.offset(), committed == null ? 0 : committed.offset());
        return Math.max(0, end.offset() - from);
    }

    private static long left(long deadline) {
        return Math.max(1, deadline - System.nanoTime());
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Map<String, Object> props = KafkaClientProps.admin(kafkaConfig, "fleet-status");
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

package dev.videoworker.api;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.fleet.ConsumerGroupStatus;
import dev.videoworker.fleet.FleetView;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobSummary;
import dev.videoworker.job.JobStatus;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.journal.TopicSetup;
import io.quarkus.logging.Log;

/**
 * The fleet at a glance, for the operator page: jobs by status, what ended in each minute of the last hour, spend today
 * and in the budget's window, and the replicas with their partitions and backlog. Counted over every job this replica
 * can answer for (its own and its fleet view's), so any replica gives the same figures, give or take the view's lag.
 */
@Path("/fleet")
@Tag(name = "fleet")
@Produces(MediaType.APPLICATION_JSON)
public class FleetResource {

    static final int BUCKETS = 60;
    static final Duration BUCKET = Duration.ofMinutes(1);

    /** Jobs known to this replica: how many, by status (every status, 0 when none). */
    public record Counts(int total, Map<String, Integer> byStatus) {
    }

    /** Jobs that ended in each minute of the last hour (oldest first), by how they ended. */
    public record LastHour(Instant start, long bucketSeconds, int[] stored, int[] failed, int[] rejected,
            int[] cancelled) {
    }

    /**
     * Spend (actual where reported, else estimated) of jobs submitted today (UTC) and within the budget window
     * ({@code window}: ISO-8601, e.g. PT24H), and the budget's limit for that window (null: none).
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Spend(LocalDate day, BigDecimal todayUsd, BigDecimal windowUsd, String window,
            BigDecimal limitUsd) {
    }

    /** One request partition of a replica: its backlog (records not yet handled) and this replica's view lag. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record PartitionStatus(int partition, long backlog, Long viewLagMs) {
    }

    /**
     * A replica (a member of the request consumer group), named by its client id ({@code memberId}: the group's id for
     * it, unique even when two replicas were given the same client id).
     */
    public record Replica(String id, String memberId, boolean self, String host, List<PartitionStatus> partitions) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Fleet(String replica, Instant asOf, int partitions, Counts jobs, LastHour lastHour, Spend spend,
            List<Replica> replicas, String replicasError, Map<Integer, Long> viewLagMs) {
    }

    private final KnownJobs known;
    private final FleetView view;
    private final ConsumerGroupStatus group;
    private final TopicSetup topics;
    private final JobJournal journal;
    private final WorkerConfig.Budget budget;
    private final String self;
    private final Clock clock = Clock.systemUTC();

    public FleetResource(KnownJobs known, FleetView view, ConsumerGroupStatus group, TopicSetup topics,
            JobJournal journal, WorkerConfig config,
            @ConfigProperty(name = "mp.messaging.incoming.video-requests.client.id") String self) {
        this.known = known;
        this.view = view;
        this.group = group;
        this.topics = topics;
        this.journal = journal;
        this.budget = config.budget();
        this.self = self;
    }

    @GET
    @Operation(summary = "The fleet at a glance", description = "Jobs by status, jobs ended per minute over the last "
            + "hour (stored, failed, rejected, cancelled), spend today (UTC) and within the budget window against the "
            + "limit, the replicas (members of the request consumer group, by client id) with their partitions, each "
            + "partition's backlog and this replica's view lag. Figures cover every job this replica can answer for: "
            + "its own partitions' and its fleet view's (bounded by worker.fleet-view.max-jobs).")
    public Fleet fleet() {
        Instant now = clock.instant();
        List<JobSummary> jobs = known.all().stream().map(KnownJobs.Known::summary).toList();
        Map<Integer, Long> lags = new TreeMap<>();
        view.lags().forEach((p, lag) -> lags.put(p, lag.toMillis()));
        List<Replica> replicas = null;
        String replicasError = null;
        try {
            replicas = replicas(group.describe(), lags);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            replicasError = "The Kafka cluster did not describe the consumer group: "
                    + (cause instanceof TimeoutException ? "no answer within 5 s" : cause.getClass().getSimpleName());
            Log.warnf("fleet status: %s", replicasError);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            replicasError = "Interrupted while asking the Kafka cluster.";
        }
        return new Fleet(self, now, topics.requestPartitions(), counts(jobs), lastHour(jobs, now),
                spend(jobs, now, budget), replicas, replicasError, lags);
    }

    private List<Replica> replicas(ConsumerGroupStatus.Snapshot snapshot, Map<Integer, Long> lags) {
        List<Replica> out = new ArrayList<>();
        for (ConsumerGroupStatus.Member member : snapshot.members()) {
            List<PartitionStatus> partitions = member.partitions().stream().map(p -> new PartitionStatus(
                    p.partition(), p.backlog(), lags.get(p.partition()))).toList();
            // Two replicas may share a client id (HOSTNAME not set): this one is the one whose partitions it owns.
            boolean mine = member.id().equals(self) && partitions.stream().allMatch(p -> journal.owns(p.partition()));
            out.add(new Replica(member.id(), member.memberId(), mine, member.host(), partitions));
        }
        return out;
    }

    static Counts counts(List<JobSummary> jobs) {
        Map<String, Integer> byStatus = new LinkedHashMap<>();
        for (JobStatus status : JobStatus.values()) {
            if (status != JobStatus.ACCEPTED) {
                byStatus.put(status.wireName(), 0);
            }
        }
        for (JobSummary job : jobs) {
            byStatus.merge(job.status().wireName(), 1, Integer::sum);
        }
        return new Counts(jobs.size(), byStatus);
    }

    /** Ended jobs per minute of the hour before {@code now}, by the time they ended (their last change if unknown). */
    static LastHour lastHour(List<JobSummary> jobs, Instant now) {
        Instant end = now.truncatedTo(ChronoUnit.MINUTES).plus(BUCKET);
        Instant start = end.minus(BUCKET.multipliedBy(BUCKETS));
        int[] stored = new int[BUCKETS];
        int[] failed = new int[BUCKETS];
        int[] rejected = new int[BUCKETS];
        int[] cancelled = new int[BUCKETS];
        for (JobSummary job : jobs) {
            Instant at = job.endedAt();
            if (at == null || at.isBefore(start) || !at.isBefore(end)) {
                continue;
            }
            int i = (int) (Duration.between(start, at).toMillis() / BUCKET.toMillis());
            switch (job.status()) {
                case STORED -> stored[i]++;
                case FAILED -> failed[i]++;
                case REJECTED -> rejected[i]++;
                default -> cancelled[i]++;
            }
        }
        return new LastHour(start, BUCKET.toSeconds(), stored, failed, rejected, cancelled);
    }

    /** Spend counted the way the budget counts it ({@link JobState#chargedAt}, {@link JobState#chargedUsd}). */
    static Spend spend(List<JobSummary> jobs, Instant now, WorkerConfig.Budget budget) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Instant dayStart = today.atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant windowStart = now.minus(budget.window());
        BigDecimal day = BigDecimal.ZERO;
        BigDecimal window = BigDecimal.ZERO;
        for (JobSummary job : jobs) {
            Instant at = job.chargedAt();
            if (at == null) {
                continue;
            }
            BigDecimal usd = job.chargedUsd();
            if (!at.isBefore(dayStart)) {
                day = day.add(usd);
            }
            if (at.isAfter(windowStart)) {
                window = window.add(usd);
            }
        }
        return new Spend(today, day, window, budget.window().toString(), budget.limitUsd().orElse(null));
    }
}

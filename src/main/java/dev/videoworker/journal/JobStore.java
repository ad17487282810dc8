package dev.videoworker.journal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.metrics.WorkerMetrics;
import io.quarkus.runtime.StartupEvent;

/**
 * The in-memory view of the jobs of the partitions this replica owns; the durable truth is the job journal. Jobs
 * that ended long ago are kept slim (id, outcome) until their tombstone, so their id is still recognised.
 */
@ApplicationScoped
public class JobStore {

    private final Map<String, JobState> jobs = new ConcurrentHashMap<>();
    private final AtomicInteger generating = new AtomicInteger();
    private volatile Runnable generatingDecreased = () -> { };

    public Optional<JobState> find(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    /**
     * The job following a provider video, preferring one still generating; a scan, which is cheap for the thousands
     * of jobs a replica holds at most.
     */
    public Optional<JobState> findByVideoId(String videoId) {
        JobState found = null;
        for (JobState s : jobs.values()) {
            if (videoId.equals(s.videoId())) {
                if (s.status().generating()) {
                    return Optional.of(s);
                }
                found = s;
            }
        }
        return Optional.ofNullable(found);
    }

    void put(JobState state) {
        counted(jobs.put(state.jobId(), state), state);
    }

    /** Takes over the jobs rebuilt from a partition of the journal. */
    public void adopt(Collection<JobState> states) {
        states.forEach(this::put);
    }

    /** Whether a job in this state takes one of the replica's generation slots: being submitted or generated. */
    public static boolean generating(JobState state) {
        return state != null && (state.status() == JobStatus.SUBMITTING || state.status().generating());
    }

    /** A snapshot of every job of this replica's partitions (for the HTTP API's listing). */
    public List<JobState> all() {
        return List.copyOf(jobs.values());
    }

    /** Jobs in this state now (a scan: for metrics scrapes, not hot paths). */
    public int count(JobStatus status) {
        int n = 0;
        for (JobState s : jobs.values()) {
            if (s.status() == status) {
                n++;
            }
        }
        return n;
    }

    /** Jobs of this replica being submitted or generated at the provider. */
    public int generating() {
        return generating.get();
    }

    /** Runs {@code listener} whenever a job stops being generated here (it finished, failed, or moved away). */
    public void onGeneratingDecreased(Runnable listener) {
        this.generatingDecreased = listener;
    }

    private void counted(JobState before, JobState after) {
        int delta = (generating(after) ? 1 : 0) - (generating(before) ? 1 : 0);
        if (delta != 0) {
            generating.addAndGet(delta);
        }
        if (delta < 0) {
            generatingDecreased.run();
        }
    }

    /** Forgets the jobs of a partition this replica no longer owns; returns them. */
    public List<JobState> release(int partition) {
        List<JobState> released = new ArrayList<>();
        jobs.values().removeIf(s -> {
            if (s.partition() == partition) {
                released.add(s);
                return true;
            }
            return false;
        });
        released.forEach(s -> counted(s, null));
        return released;
    }

    /** Whether a job other than {@code jobId} already follows this provider video. */
    public boolean followedByAnother(String videoId, String jobId) {
        return jobs.values().stream().anyMatch(s -> videoId.equals(s.videoId()) && !jobId.equals(s.jobId()));
    }

    /** Slims terminal jobs that ended before {@code endedBefore}; returns how many. */
    public int retire(Instant endedBefore) {
        int[] count = {0};
        jobs.replaceAll((id, s) -> {
            if (s.status().terminal() && s.request() != null && s.updatedAt().isBefore(endedBefore)) {
                count[0]++;
                return s.slim();
            }
            return s;
        });
        return count[0];
    }

    /** Terminal jobs that ended before {@code endedBefore}: due for their tombstone. */
    public List<JobState> endedBefore(Instant endedBefore) {
        return jobs.values().stream()
                .filter(s -> s.status().terminal() && s.updatedAt().isBefore(endedBefore))
                .toList();
    }

    /** Forgets a tombstoned job. */
    void remove(String jobId) {
        counted(jobs.remove(jobId), null);
    }

    /** Publishes the gauge of jobs in flight by state at start. */
    void registerGauges(@Observes StartupEvent event, WorkerMetrics metrics) {
        metrics.jobsInFlight(this::count);
    }
}

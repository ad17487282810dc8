package dev.videoworker.journal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.metrics.WorkerMetrics;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * The in-memory view of the jobs of the partitions this replica owns; the durable truth is the job journal. Jobs
 * that ended long ago are kept slim (id, outcome). The index is bounded ({@code worker.jobs.index-max-jobs},
 * {@code worker.jobs.index-max-bytes}): beyond either bound, ended jobs leave it, the longest-ended first, down to 90%
 * of the bound, and only their id, partition, status, version and time stay (a few dozen bytes), so that a repeated
 * id is still recognised and the job's tombstone is still written. Jobs under way never leave it.
 */
@ApplicationScoped
public class JobStore {

    /** An eviction brings the index down to this share of its bounds, so that it does not run on every write. */
    static final double EVICT_TO = 0.9;

    private final Map<String, JobState> jobs = new ConcurrentHashMap<>();
    private final Map<String, Evicted> evicted = new ConcurrentHashMap<>();
    /** Provider video id → job id, for the jobs of the index that have one. */
    private final Map<String, String> byVideoId = new ConcurrentHashMap<>();
    private final AtomicInteger generating = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final int maxJobs;
    private final long maxBytes;
    private volatile Runnable generatingDecreased = () -> { };
    private volatile boolean warnedFull;

    /** What stays of an ended job that left the index. */
    private record Evicted(int partition, JobStatus status, long version, Instant at, long epoch) {
    }

    @Inject
    public JobStore(WorkerConfig config) {
        this(config.jobs().indexMaxJobs(), config.jobs().indexMaxBytes());
    }

    /** An unbounded index (tests). */
    public JobStore() {
        this(Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    public JobStore(int maxJobs, long maxBytes) {
        this.maxJobs = maxJobs;
        this.maxBytes = maxBytes;
    }

    public Optional<JobState> find(String jobId) {
        JobState held = jobs.get(jobId);
        if (held != null) {
            return Optional.of(held);
        }
        Evicted e = evicted.get(jobId);
        return e == null ? Optional.empty()
                : Optional.of(JobState.recognised(jobId, e.partition(), e.status(), e.version(), e.at(), e.epoch()));
    }

    /** The job following a provider video, preferring one still generating. */
    public Optional<JobState> findByVideoId(String videoId) {
        String jobId = byVideoId.get(videoId);
        JobState found = jobId == null ? null : jobs.get(jobId);
        if (found != null && videoId.equals(found.videoId())) {
            return Optional.of(found);
        }
        return Optional.empty();
    }

    void put(JobState state) {
        JobState before = jobs.put(state.jobId(), state);
        if (before == null) {
            evicted.remove(state.jobId());
        }
        indexed(before, state);
        counted(before, state);
        if (jobs.size() > maxJobs || bytes.get() > maxBytes) {
            evict();
        }
    }

    /** Takes over the jobs rebuilt from a partition of the journal (the longest-ended first, should some leave). */
    public void adopt(Collection<JobState> states) {
        states.stream().sorted(Comparator.comparing(JobState::updatedAt, Comparator.nullsFirst(Comparator
                .naturalOrder()))).forEach(this::put);
    }

    /** Whether a job in this state takes one of the replica's generation slots: being submitted or generated. */
    public static boolean generating(JobState state) {
        return state != null && (state.status() == JobStatus.SUBMITTING || state.status().generating());
    }

    /** A snapshot of every job in the index (for the HTTP API's listing; ended jobs that left it are not listed). */
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

    /** Jobs in the index (not counting ended jobs that left it). */
    public int size() {
        return jobs.size();
    }

    public int evictedCount() {
        return evicted.size();
    }

    /** The index's estimated heap bytes. */
    public long estimatedBytes() {
        return bytes.get();
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

    private void indexed(JobState before, JobState after) {
        bytes.addAndGet((after == null ? 0 : after.estimatedBytes()) - (before == null ? 0 : before.estimatedBytes()));
        if (before != null && before.videoId() != null && (after == null || !before.videoId().equals(after.videoId()))) {
            byVideoId.remove(before.videoId(), before.jobId());
        }
        if (after != null && after.videoId() != null) {
            JobState other = Optional.ofNullable(byVideoId.get(after.videoId())).map(jobs::get).orElse(null);
            // A video is followed by one job; a generating one wins over an ended one that named it.
            if (other == null || other.jobId().equals(after.jobId()) || !other.status().generating()) {
                byVideoId.put(after.videoId(), after.jobId());
            }
        }
    }

    /**
     * Brings the index under its bounds: ended jobs leave it, the longest-ended first, until it holds 90% of each
     * bound (or no ended job is left in it). A scan and a sort, run once per tenth of the bound.
     */
    private synchronized void evict() {
        if (jobs.size() <= maxJobs && bytes.get() <= maxBytes) {
            return;
        }
        long jobsTarget = (long) (maxJobs * EVICT_TO);
        long bytesTarget = (long) (maxBytes * EVICT_TO);
        List<JobState> ended = jobs.values().stream().filter(s -> s.status().terminal())
                .sorted(Comparator.comparing(JobState::updatedAt)).toList();
        int left = 0;
        for (JobState s : ended) {
            if (jobs.size() <= jobsTarget && bytes.get() <= bytesTarget) {
                break;
            }
            // Only if it is still this value (a job that ended cannot change but to record a video id or a tombstone).
            evicted.put(s.jobId(), new Evicted(s.partition(), s.status(), s.version(), s.updatedAt(), s.epoch()));
            if (jobs.remove(s.jobId(), s)) {
                indexed(s, null);
                left++;
            } else {
                evicted.remove(s.jobId());
            }
        }
        if (jobs.size() > maxJobs || bytes.get() > maxBytes) {
            if (!warnedFull) {
                warnedFull = true;
                Log.warnf("the job index holds %d jobs (~%d MiB) under way, beyond its bound (%d jobs, %d MiB): only "
                        + "ended jobs leave it", jobs.size(), bytes.get() >> 20, maxJobs, maxBytes >> 20);
            }
        } else {
            warnedFull = false;
        }
        Log.debugf("%d ended jobs left the index (it holds %d, ~%d KiB)", left, jobs.size(), bytes.get() >> 10);
    }

    /** Forgets the jobs of a partition this replica no longer owns; returns them (those in the index). */
    public List<JobState> release(int partition) {
        List<JobState> released = new ArrayList<>();
        jobs.values().removeIf(s -> {
            if (s.partition() == partition) {
                released.add(s);
                return true;
            }
            return false;
        });
        evicted.values().removeIf(e -> e.partition() == partition);
        released.forEach(s -> {
            indexed(s, null);
            counted(s, null);
        });
        return released;
    }

    /** Whether a job other than {@code jobId} already follows this provider video. */
    public boolean followedByAnother(String videoId, String jobId) {
        String follower = byVideoId.get(videoId);
        return follower != null && !follower.equals(jobId) && jobs.containsKey(follower);
    }

    /** Slims terminal jobs that ended before {@code endedBefore}; returns how many. */
    public int retire(Instant endedBefore) {
        int[] count = {0};
        jobs.replaceAll((id, s) -> {
            if (s.status().terminal() && s.request() != null && s.updatedAt().isBefore(endedBefore)) {
                count[0]++;
                JobState slim = s.slim();
                bytes.addAndGet(slim.estimatedBytes() - s.estimatedBytes());
                return slim;
            }
            return s;
        });
        return count[0];
    }

    /** Terminal jobs that ended before {@code endedBefore}, also those that left the index: due for their tombstone. */
    public List<JobState> endedBefore(Instant endedBefore) {
        List<JobState> due = new ArrayList<>(jobs.values().stream()
                .filter(s -> s.status().terminal() && s.updatedAt().isBefore(endedBefore))
                .toList());
        evicted.forEach((id, e) -> {
            if (e.at().isBefore(endedBefore)) {
                due.add(JobState.recognised(id, e.partition(), e.status(), e.version(), e.at(), e.epoch()));
            }
        });
        return due;
    }

    /** Forgets a tombstoned job. */
    void remove(String jobId) {
        evicted.remove(jobId);
        JobState removed = jobs.remove(jobId);
        indexed(removed, null);
        counted(removed, null);
    }

    /** Publishes the gauges of jobs in flight by state, and of the index's size, at start. */
    void registerGauges(@Observes StartupEvent event, WorkerMetrics metrics) {
        metrics.jobsInFlight(this::count);
        metrics.jobIndex(this::size, this::evictedCount, this::estimatedBytes);
    }
}

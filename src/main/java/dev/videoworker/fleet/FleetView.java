package dev.videoworker.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.ConsumerThread;
import dev.videoworker.config.KafkaClientProps;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.log.LogText;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * A read-only view of the jobs of the partitions other replicas own, so that any replica can answer for any job. It
 * follows the compacted job topic ({@code video.jobs}, committed records only) on a thread of its own, with a consumer
 * outside any group: it never writes, never fences, never takes part in a rebalance. Partitions this replica owns are
 * paused (their jobs are in the local store, fresher); a partition given up is read again from its start; one taken
 * over is dropped from the view.
 * <p>
 * Bounded: at most {@code worker.fleet-view.max-jobs} jobs; beyond it the job changed least recently leaves first.
 * Every answer says how far behind the job's partition may be: the time since the view last reached the partition's
 * end (its last stable offset).
 */
@ApplicationScoped
public class FleetView {

    /** How long a poll waits for records; also how often ownership and the lag are looked at when nothing happens. */
    static final Duration POLL = Duration.ofMillis(200);
    static final Duration RETRY = Duration.ofSeconds(2);

    /** A job as the view last saw it, and how far behind its partition's view may be (null: not read to its end). */
    public record Seen(JobState state, Duration lag) {
    }

    private final Map<String, Object> kafkaConfig;
    private final ObjectMapper mapper;
    /** Whether this replica owns a partition now. */
    private final IntPredicate owns;
    private final String topic;
    private final boolean enabled;
    private final int maxJobs;
    private final long maxBytes;
    private final Clock clock = Clock.systemUTC();
    /** Job id → state, the least recently changed first. Guarded by itself. */
    private final LinkedHashMap<String, JobState> jobs = new LinkedHashMap<>();
    /** The jobs' estimated bytes ({@link JobState#estimatedBytes}). Guarded by {@link #jobs}. */
    private long bytes;
    /** Partition → the last time the view had read it to its end. */
    private final Map<Integer, Instant> caughtUpAt = new ConcurrentHashMap<>();
    private final ConsumerThread thread;

    @Inject
    public FleetView(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, ObjectMapper mapper,
            JobJournal journal, WorkerConfig config) {
        this(kafkaConfig, mapper, journal::owns, config.topics().jobs(), config.fleetView().enabled(),
                config.fleetView().maxJobs(), config.fleetView().maxBytes());
    }

    FleetView(Map<String, Object> kafkaConfig, ObjectMapper mapper, IntPredicate owns, String topic, boolean enabled,
            int maxJobs, long maxBytes) {
        this.kafkaConfig = kafkaConfig;
        this.mapper = mapper;
        this.owns = owns;
        this.topic = topic;
        this.enabled = enabled;
        this.maxJobs = maxJobs;
        this.maxBytes = maxBytes;
        this.thread = new ConsumerThread("fleet-view", "the fleet view following " + LogText.safe(topic), RETRY,
                this::follow);
    }

    void start(@Observes StartupEvent event) {
        if (enabled) {
            thread.start();
        }
    }

    @PreDestroy
    void stop() {
        thread.stop();
    }

    /** False when the view's reader thread has died (see {@link ConsumerThread#alive()}). */
    public boolean readerAlive() {
        return thread.alive();
    }

    /** Whether the view runs (off: every replica answers for its own partitions only). */
    public boolean enabled() {
        return enabled;
    }

    /** The job as the view last saw it, when another replica's partition holds it. */
    public Optional<Seen> find(String jobId) {
        JobState state;
        synchronized (jobs) {
            state = jobs.get(jobId);
        }
        if (state == null || owns.test(state.partition())) {
            return Optional.empty();
        }
        return Optional.of(seen(state));
    }

    /** Every job of the view (other replicas' partitions), with their partitions' lag. */
    public List<Seen> all() {
        List<JobState> states;
        synchronized (jobs) {
            states = new ArrayList<>(jobs.values());
        }
        List<Seen> out = new ArrayList<>(states.size());
        for (JobState s : states) {
            if (!owns.test(s.partition())) {
                out.add(seen(s));
            }
        }
        return out;
    }

    /** How far behind the view of {@code partition} may be; null when it has not reached the partition's end yet. */
    public Duration lag(int partition) {
        Instant at = caughtUpAt.get(partition);
        return at == null ? null : Duration.between(at, clock.instant());
    }

    /** How far behind the view of each partition this replica does not own may be (only those read to their end). */
    public Map<Integer, Duration> lags() {
        Instant now = clock.instant();
        Map<Integer, Duration> out = new TreeMap<>();
        caughtUpAt.forEach((partition, at) -> {
            if (!owns.test(partition)) {
                out.put(partition, Duration.between(at, now));
            }
        });
        return out;
    }

    public int size() {
        synchronized (jobs) {
            return jobs.size();
        }
    }

    private Seen seen(JobState state) {
        Instant at = caughtUpAt.get(state.partition());
        return new Seen(state, at == null ? null : Duration.between(at, clock.instant()));
    }

    /** Follows every partition of the job topic until stopped; pauses the owned ones. */
    private void follow() {
        Map<String, Object> props = KafkaClientProps.committedReader(kafkaConfig, "fleet-view");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            if (!thread.use(c)) {
                return;
            }
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos == null || infos.isEmpty()) {
                // Not created yet (the start-up creates it): tried again shortly.
                throw new IllegalStateException("no partitions of " + topic + " yet");
            }
            for (PartitionInfo p : infos) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            // Read again from the start (after a failure too): what was held may miss tombstones compacted meanwhile.
            synchronized (jobs) {
                jobs.clear();
                bytes = 0;
            }
            caughtUpAt.clear();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Set<Integer> paused = new HashSet<>();
            while (thread.running()) {
                followOwnership(c, partitions, paused);
                for (ConsumerRecord<String, String> r : c.poll(POLL)) {
                    if (r.key() != null && !paused.contains(r.partition())) {
                        apply(r);
                    }
                }
                Instant now = clock.instant();
                for (TopicPartition tp : partitions) {
                    OptionalLong lag = c.currentLag(tp);
                    if (!paused.contains(tp.partition()) && lag.isPresent() && lag.getAsLong() == 0) {
                        caughtUpAt.put(tp.partition(), now);
                    }
                }
            }
        }
    }

    /**
     * Pauses the partitions this replica owns now (and drops their jobs from the view); a partition no longer owned is
     * read again from its start, since the view skipped it while it was owned.
     */
    private void followOwnership(KafkaConsumer<String, String> c, List<TopicPartition> partitions,
            Set<Integer> paused) {
        for (TopicPartition tp : partitions) {
            boolean owned = owns.test(tp.partition());
            if (owned && paused.add(tp.partition())) {
                c.pause(List.of(tp));
                caughtUpAt.remove(tp.partition());
                forget(tp.partition());
            } else if (!owned && paused.remove(tp.partition())) {
                caughtUpAt.remove(tp.partition());
                c.seekToBeginning(List.of(tp));
                c.resume(List.of(tp));
            }
        }
    }

    private void apply(ConsumerRecord<String, String> r) {
        if (!apply(r.key(), r.value())) {
            Log.debugf("fleet view: unreadable state of job %s at %s-%d@%d; ignored", LogText.safe(r.key()),
                    topic, r.partition(), r.offset());
        }
    }

    /**
     * One record of the job topic: the job's state as committed ({@code value}), or its tombstone (null). False when
     * the value is not a job state (left out of the view).
     */
    boolean apply(String jobId, String value) {
        if (value == null) {
            synchronized (jobs) {
                remove(jobId);
            }
            return true;
        }
        JobState state;
        try {
            state = mapper.readValue(value, JobState.class);
        } catch (java.io.IOException e) {
            return false;
        }
        synchronized (jobs) {
            remove(jobId);
            jobs.put(jobId, state);
            bytes += state.estimatedBytes();
            Iterator<JobState> eldest = jobs.values().iterator();
            while ((jobs.size() > maxJobs || bytes > maxBytes) && eldest.hasNext()) {
                bytes -= eldest.next().estimatedBytes();
                eldest.remove();
            }
        }
        return true;
    }

    /** Estimated bytes the view holds. */
    long bytes() {
        synchronized (jobs) {
            return bytes;
        }
    }

    private void remove(String jobId) {
        JobState before = jobs.remove(jobId);
        if (before != null) {
            bytes -= before.estimatedBytes();
        }
    }

    /** Drops the jobs of a partition this replica has taken over (its own store holds them now). */
    void forget(int partition) {
        synchronized (jobs) {
            Iterator<JobState> all = jobs.values().iterator();
            while (all.hasNext()) {
                JobState s = all.next();
                if (s.partition() == partition) {
                    bytes -= s.estimatedBytes();
                    all.remove();
                }
            }
        }
    }
}

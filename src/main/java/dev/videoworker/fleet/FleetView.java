package dev.videoworker.fleet;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntPredicate;
import java.util.function.UnaryOperator;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.config.ConsumerThread;
import dev.videoworker.config.KafkaClientProps;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import dev.videoworker.job.JobSummary;
import dev.videoworker.job.SharedValues;
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
 * Compact: per job it holds what listing, filtering and the fleet's figures read ({@link JobSummary}) and the
 * committed record packed ({@link PackedStates}, ~200 bytes for a usual job), read again for the jobs an answer shows
 * whole and, for a text search, to look for the text ({@link Seen#mayMention}). Bounded: at most
 * {@code worker.fleet-view.max-jobs} jobs and {@code max-bytes} (estimated: {@link Entry#bytes}); beyond either the
 * job changed least recently leaves first. Every answer says how far behind the job's partition may be: the time
 * since the view last reached the partition's end (its last stable offset).
 */
@ApplicationScoped
public class FleetView {

    /** How long a poll waits for records; also how often ownership and the lag are looked at when nothing happens. */
    static final Duration POLL = Duration.ofMillis(200);
    static final Duration RETRY = Duration.ofSeconds(2);

    /**
     * Estimated heap bytes of a view entry besides its packed array (the key and the packed state) and the characters
     * of its model and provider: the {@link Entry} (88), the packed array's header (16) and the table's slots (1.3 to
     * 2.7 per entry at 4 bytes: 8 counted), with their alignment. Model and provider names are counted as if not
     * shared (a rejected job's are not); a charged amount is shared (one of at most {@value #MAX_SHARED_NAMES} held
     * once).
     */
    static final int ENTRY_OVERHEAD = 112;
    /** Names shared between entries (models, providers): at most this many distinct ones; others are kept as read. */
    private static final int MAX_SHARED_NAMES = 1024;

    /**
     * A job as the view last saw it, and how far behind its partition's view may be ({@code lag}; null: not read to
     * its end). The summary is made from the entry once; the whole state is unpacked and read on each {@link #state()}.
     */
    public static final class Seen {
        private final FleetView view;
        private final Entry entry;
        private final Duration lag;
        private JobSummary summary;

        Seen(FleetView view, Entry entry, Duration lag) {
            this.view = view;
            this.entry = entry;
            this.lag = lag;
        }

        /** The job's summary (made from the view's entry once per {@code Seen}). */
        public JobSummary summary() {
            JobSummary s = summary;
            if (s == null) {
                s = entry.summary();
                summary = s;
            }
            return s;
        }

        public Duration lag() {
            return lag;
        }

        /** The job's whole state as committed (read again from the packed record on each call). */
        public JobState state() {
            return view.state(entry);
        }

        /**
         * False when {@code lowerCaseText} is certainly not in the job's record (its JSON, lower-cased), so a search
         * need not read the state; true when it may be there (the caller checks the state itself), or when the
         * record's escapes make the raw text unfit to tell.
         */
        public boolean mayMention(String lowerCaseText) {
            for (int i = 0; i < lowerCaseText.length(); i++) {
                char c = lowerCaseText.charAt(i);
                if (c < 0x20 || c == '"' || c == '\\') {
                    return true;
                }
            }
            String json = new String(view.packing.unpack(entry.packed, entry.keyLength, entry.length),
                    StandardCharsets.UTF_8);
            return json.indexOf('\\') >= 0 || json.toLowerCase(Locale.ROOT).contains(lowerCaseText);
        }
    }

    /**
     * A job as the view holds it: what its summary says, flat (its times as epoch nanoseconds, {@link #NONE} for
     * none; a summary is made from them when asked for), and its record's key followed by the committed record packed
     * ({@link PackedStates}); linked into the view's table ({@link ViewEntries}). Flat and keyed by its own bytes
     * because every replica holds one for each job of the others: an entry with a summary object and its
     * {@code Instant}s held ~80 bytes more, a map node and a key {@code String} ~70 (net of the links).
     */
    static final class Entry {
        static final long NONE = Long.MIN_VALUE;

        final JobStatus status;
        final String model;
        final String provider;
        final BigDecimal chargedUsd;
        /** The record's key (UTF-8), then the packed state. */
        final byte[] packed;
        /** The state's job id when it is not the record's key (a foreign producer's record), else null. */
        final String otherJobId;
        final int partition;
        final int keyLength;
        final int length;
        final int hash;
        final long updatedAt;
        final long endedAt;
        final long chargedAt;
        /** The view's table: the next entry of the same bucket, and the entries changed just before and after. */
        Entry next;
        Entry older;
        Entry newer;

        /** @throws ArithmeticException when a time is outside what epoch nanoseconds hold (years 1677-2262) */
        Entry(JobSummary s, BigDecimal chargedUsd, String key, byte[] packed, int keyLength, int length, int hash) {
            this.status = s.status();
            this.model = s.model();
            this.provider = s.provider();
            this.chargedUsd = chargedUsd;
            this.packed = packed;
            this.otherJobId = s.jobId().equals(key) ? null : s.jobId();
            this.partition = s.partition();
            this.keyLength = keyLength;
            this.length = length;
            this.hash = hash;
            this.updatedAt = nanos(s.updatedAt());
            this.endedAt = nanos(s.endedAt());
            this.chargedAt = nanos(s.chargedAt());
        }

        /** The job's id, as its state says. */
        String jobId() {
            return otherJobId != null ? otherJobId : new String(packed, 0, keyLength, StandardCharsets.UTF_8);
        }

        boolean hasKey(byte[] key) {
            return Arrays.equals(packed, 0, keyLength, key, 0, key.length);
        }

        JobSummary summary() {
            return new JobSummary(jobId(), partition, status, model, provider, instant(updatedAt), instant(endedAt),
                    instant(chargedAt), chargedUsd);
        }

        long bytes() {
            return ENTRY_OVERHEAD + packed.length + (otherJobId == null ? 0 : 40 + otherJobId.length())
                    + (model == null ? 0 : model.length()) + (provider == null ? 0 : provider.length());
        }

        static long nanos(Instant t) {
            return t == null ? NONE
                    : Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        }

        static Instant instant(long nanos) {
            return nanos == NONE ? null
                    : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
        }
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
    /** Record key (the job's id) → the job, the least recently changed first. Guarded by itself. */
    private final ViewEntries jobs = new ViewEntries();
    /** The entries' estimated bytes ({@link Entry#bytes}). Guarded by {@link #jobs}. */
    private long bytes;
    /** Model and provider names, one instance each. */
    private final SharedValues<String> names = new SharedValues<>(MAX_SHARED_NAMES);
    /** Charged amounts, one instance each (equal in value and scale). */
    private final SharedValues<BigDecimal> amounts = new SharedValues<>(MAX_SHARED_NAMES);
    private final PackedStates packing = new PackedStates();
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
        byte[] key = jobId.getBytes(StandardCharsets.UTF_8);
        int hash = jobs.hash(key);
        Entry entry;
        synchronized (jobs) {
            entry = jobs.get(key, hash);
        }
        if (entry == null || owns.test(entry.partition)) {
            return Optional.empty();
        }
        return Optional.of(seen(entry));
    }

    /** Every job of the view (other replicas' partitions), with their partitions' lag. */
    public List<Seen> all() {
        Entry[] entries;
        synchronized (jobs) {
            entries = jobs.toArray();
        }
        List<Seen> out = new ArrayList<>(entries.length);
        for (Entry e : entries) {
            if (!owns.test(e.partition)) {
                out.add(seen(e));
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

    private Seen seen(Entry entry) {
        Instant at = caughtUpAt.get(entry.partition);
        return new Seen(this, entry, at == null ? null : Duration.between(at, clock.instant()));
    }

    private JobState state(Entry entry) {
        try {
            return mapper.readValue(packing.unpack(entry.packed, entry.keyLength, entry.length), JobState.class);
        } catch (java.io.IOException e) {
            // It was read before it was packed.
            throw new IllegalStateException("a packed job state no longer reads", e);
        }
    }

    /** Follows every partition of the job topic until stopped; pauses the owned ones. */
    private void follow() {
        Map<String, Object> props = KafkaClientProps.committedReader(kafkaConfig, "fleet-view");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
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
                for (ConsumerRecord<String, byte[]> r : c.poll(POLL)) {
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
    private void followOwnership(KafkaConsumer<String, byte[]> c, List<TopicPartition> partitions,
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

    private void apply(ConsumerRecord<String, byte[]> r) {
        if (!apply(r.key(), r.value())) {
            Log.debugf("fleet view: unreadable state of job %s at %s-%d@%d; ignored", LogText.safe(r.key()),
                    topic, r.partition(), r.offset());
        }
    }

    /**
     * One record of the job topic: the job's state as committed ({@code value}), or its tombstone (null). False when
     * the value is not a job state (left out of the view).
     */
    boolean apply(String jobId, byte[] value) {
        byte[] key = jobId.getBytes(StandardCharsets.UTF_8);
        int hash = jobs.hash(key);
        if (value == null) {
            synchronized (jobs) {
                remove(key, hash);
            }
            return true;
        }
        JobState state;
        try {
            state = mapper.readValue(value, JobState.class);
        } catch (java.io.IOException e) {
            return false;
        }
        if (state.jobId() == null || state.status() == null) {
            // Not a job's state (the worker always writes both); a summary could not be made of it.
            return false;
        }
        byte[] packed = packing.pack(value, key);
        // Names of rejected requests are whatever a client sent: not shared, so they cannot fill the table.
        UnaryOperator<String> names = state.status() == JobStatus.REJECTED ? UnaryOperator.identity() : this.names::of;
        synchronized (jobs) {
            JobSummary summary = JobSummary.of(state, names);
            Entry entry;
            try {
                entry = new Entry(summary, amounts.of(summary.chargedUsd()), jobId, packed, key.length, value.length,
                        hash);
            } catch (ArithmeticException e) {
                // a time no job of the worker's has (outside 1677-2262): left out, and what was held of it dropped
                remove(key, hash);
                return false;
            }
            remove(key, hash);
            jobs.add(entry);
            bytes += entry.bytes();
            while ((jobs.size() > maxJobs || bytes > maxBytes) && jobs.eldest() != null) {
                Entry eldest = jobs.eldest();
                jobs.unlink(eldest);
                bytes -= eldest.bytes();
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

    private void remove(byte[] key, int hash) {
        Entry before = jobs.remove(key, hash);
        if (before != null) {
            bytes -= before.bytes();
        }
    }

    /** Drops the jobs of a partition this replica has taken over (its own store holds them now). */
    void forget(int partition) {
        synchronized (jobs) {
            jobs.removeIf(e -> e.partition == partition, e -> bytes -= e.bytes());
        }
    }
}

package dev.videoworker.journal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.videoworker.job.JobState;
import io.quarkus.logging.Log;

/**
 * The transactional producer of one owned partition of {@code video.jobs}, and the only place where a job's state
 * changes. Its transactional id belongs to the partition, so whoever opens it next fences this one. Writes queue up
 * and are committed together (one transaction per batch), each write's records all-or-nothing. Each write is checked
 * here, on the writer's thread, just before it joins the transaction: it must derive from the job's last committed
 * version (compare-and-set) under this ownership ({@link #epoch()}); otherwise it is refused, and nothing of it is
 * sent. The in-memory view ({@link JobStore}) changes only after the transaction committed.
 */
final class PartitionWriter implements AutoCloseable {

    private static final int MAX_BATCH = 500;
    private static final int COMMIT_ATTEMPTS = 3;

    /** One job write, and who waits for its outcome. */
    private record Pending(JobWrite write, CompletableFuture<JobState> done) {
    }

    private final int partition;
    private final long epoch;
    private final JobStore store;
    private final KafkaProducer<String, String> producer;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Runnable onFenced;
    private final Runnable onBroken;
    private final Object lock = new Object();
    private volatile boolean open = true;
    /** Set when the partition is given up: a commit that still completes then must not change the view. */
    private volatile boolean released;

    /** Opens the producer and fences any previous owner of the partition (blocking). */
    PartitionWriter(int partition, long epoch, JobStore store, Map<String, Object> producerConfig,
            Runnable onFenced, Runnable onBroken) {
        this.partition = partition;
        this.epoch = epoch;
        this.store = store;
        this.onFenced = onFenced;
        this.onBroken = onBroken;
        this.producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer());
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        this.thread = new Thread(this::run, "job-journal-p" + partition);
        thread.setDaemon(true);
        thread.start();
    }

    /** This ownership of the partition: unique in this process, new at every take-over. */
    long epoch() {
        return epoch;
    }

    /** Completes with the committed state (null for a write that does not change it), or fails with the refusal. */
    CompletableFuture<JobState> write(JobWrite write) {
        CompletableFuture<JobState> done = new CompletableFuture<>();
        synchronized (lock) {
            if (open) {
                queue.add(new Pending(write, done));
                return done;
            }
        }
        done.completeExceptionally(new NotOwnerException(partition));
        return done;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        while (open || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                // Never let the writer die with futures pending: whoever waits on them would wait forever.
                Log.errorf(e, "job journal writer of partition %d failed", partition);
                batch.forEach(p -> p.done().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
        stopTakingWrites();
        failRemaining(new NotOwnerException(partition));
    }

    private void commit(List<Pending> batch) {
        // What the transaction will have made of each job it touches (a null value: forgotten).
        Map<String, JobState> after = new HashMap<>();
        List<Pending> accepted = new ArrayList<>(batch.size());
        // The state each accepted write commits (null: none), in the order of accepted: its writer hears of the very
        // object the store is given (the last write of a job in the batch is the one the store keeps), so a job
        // waiting for its next poll is held once, not twice.
        List<JobState> committed = new ArrayList<>(batch.size());
        Map<Pending, RuntimeException> refused = new LinkedHashMap<>();
        for (Pending p : batch) {
            RuntimeException refusal = check(p.write(), after);
            if (refusal != null) {
                refused.put(p, refusal);
                continue;
            }
            accepted.add(p);
            JobWrite w = p.write();
            JobState state = w.next() == null ? null : w.next().inEpoch(epoch);
            committed.add(state);
            if (w.tombstone()) {
                after.put(w.jobId(), null);
            } else if (state != null) {
                after.put(w.jobId(), state);
            }
        }
        try {
            if (!accepted.isEmpty()) {
                producer.beginTransaction();
                for (Pending p : accepted) {
                    for (ProducerRecord<String, String> r : p.write().records()) {
                        producer.send(r);
                    }
                }
                commitWithRetries();
            }
        } catch (ProducerFencedException | InvalidProducerEpochException | TransactionalIdAuthorizationException e) {
            // Another replica owns this partition now (a newer producer epoch; rarely, a transaction that outlived its
            // timeout, which is treated the same way: the replica gives the partition up and, if it still holds the
            // request partition, reports itself unhealthy). Never write for these jobs again.
            Log.warnf("partition %d of the job journal was taken over by another replica (%s)", partition,
                    e.getClass().getSimpleName());
            NotOwnerException lost = new NotOwnerException(partition);
            // Given up before the writers hear of it, so none of them sees the partition as still ours.
            giveUp();
            batch.forEach(p -> p.done().completeExceptionally(lost));
            return;
        } catch (RuntimeException e) {
            // Abortable: this batch fails (also its refusals, which were decided against states that did not commit);
            // its writers retry or leave their request unacknowledged; the partition stays ours.
            batch.forEach(p -> p.done().completeExceptionally(e));
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailed) {
                Log.errorf("the job journal producer of partition %d cannot recover (%s); taking the partition over "
                        + "again", partition, abortFailed.getClass().getSimpleName());
                stopTakingWrites();
                producer.close(Duration.ZERO);
                onBroken.run();
            }
            return;
        }
        // Committed: the view follows, then the writers hear of it, the refused ones last, so that whoever re-decides
        // from the view sees what was committed instead of their write.
        after.forEach((jobId, state) -> {
            if (released) {
                return;
            }
            if (state == null) {
                store.remove(jobId);
            } else {
                store.put(state);
            }
        });
        for (int i = 0; i < accepted.size(); i++) {
            accepted.get(i).done().complete(committed.get(i));
        }
        refused.forEach((p, why) -> p.done().completeExceptionally(why));
    }

    /** Why a write must not join this transaction, or null when it may. */
    private RuntimeException check(JobWrite w, Map<String, JobState> after) {
        JobState current = after.containsKey(w.jobId()) ? after.get(w.jobId())
                : store.find(w.jobId()).filter(s -> s.partition() == partition).orElse(null);
        if (w.baseVersion() != 0 && w.baseEpoch() != epoch) {
            // Derived from what an earlier ownership of the partition saw: whoever holds it drives nothing now.
            return new NotOwnerException(partition);
        }
        long committed = current == null ? 0 : current.version();
        if (committed != w.baseVersion()) {
            return new StaleStateException(w.jobId(), w.baseVersion(), current);
        }
        return null;
    }

    /** A commit that timed out may be retried as it is; the transaction stays open until it is decided. */
    private void commitWithRetries() {
        for (int attempt = 1;; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (attempt >= COMMIT_ATTEMPTS) {
                    throw e;
                }
                Log.warnf("commit on partition %d of the job journal timed out; retrying", partition);
            }
        }
    }

    private void stopTakingWrites() {
        synchronized (lock) {
            open = false;
        }
    }

    private void giveUp() {
        stopTakingWrites();
        producer.close(Duration.ZERO);
        onFenced.run();
    }

    private void failRemaining(RuntimeException why) {
        for (Pending p; (p = queue.poll()) != null;) {
            p.done().completeExceptionally(why);
        }
    }

    /** Stops taking writes, commits what is queued, and closes the producer. */
    @Override
    public void close() {
        stopTakingWrites();
        // A commit that outlives the wait below must not bring this partition's jobs back into the view.
        released = true;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failRemaining(new NotOwnerException(partition));
        producer.close(Duration.ofSeconds(10));
    }
}

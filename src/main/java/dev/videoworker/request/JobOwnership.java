package dev.videoworker.request;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import dev.videoworker.budget.SpendBudget;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.driver.JobDriver;
import dev.videoworker.job.JobEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.journal.JobJournal;
import dev.videoworker.journal.JobStore;
import dev.videoworker.journal.JournalReader;
import dev.videoworker.log.LogText;
import dev.videoworker.poll.Poller;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * Follows the request consumer's partitions: the replica that owns request partition p owns every job in journal
 * partition p. On assignment it fences the previous owner, rebuilds the partition's jobs and resumes them before any
 * request of that partition is handled; on revocation it stops touching them.
 */
@ApplicationScoped
@Identifier(JobOwnership.NAME)
public class JobOwnership implements KafkaConsumerRebalanceListener {

    public static final String NAME = "job-ownership";
    private static final int MAX_OPENING_AT_ONCE = 8;
    private static final Duration RETAKE_RETRY = Duration.ofSeconds(5);

    private final JobJournal journal;
    private final JournalReader reader;
    private final JobStore store;
    private final Poller poller;
    private final JobDriver driver;
    private final String requestsTopic;
    private final SpendBudget budget;
    /** The request partitions the consumer holds now (their journal partitions may be being opened). */
    private final Set<Integer> assigned = ConcurrentHashMap.newKeySet();

    public JobOwnership(JobJournal journal, JournalReader reader, JobStore store, Poller poller, JobDriver driver,
            WorkerConfig config, SpendBudget budget) {
        this.budget = budget;
        this.journal = journal;
        this.reader = reader;
        this.store = store;
        this.poller = poller;
        this.driver = driver;
        this.requestsTopic = config.topics().requests();
        journal.onBroken(this::retake);
    }

    /** Whether the request consumer holds partition {@code p} now (its jobs may be being taken over again). */
    public boolean assigned(int p) {
        return assigned.contains(p);
    }

    /**
     * Takes a partition over again after its journal producer failed beyond repair: the outcome of its last
     * transaction is unknown, so the jobs are forgotten, the partition is opened (fencing the broken producer's
     * transactional id) and read again, and the jobs are resumed from what was committed. Nothing happens when the
     * partition was revoked meanwhile.
     */
    synchronized void retake(int p) {
        if (!assigned.contains(p) || journal.owns(p)) {
            return;
        }
        int forgotten = store.release(p).size();
        budget.release(p);
        Collection<JobState> jobs = openAndRead(p);
        if (jobs == null) {
            // Kafka is still failing: tried again while the partition is this replica's.
            Log.warnf("partition %d could not be taken over again yet; trying again in %s", p, RETAKE_RETRY);
            CompletableFuture.delayedExecutor(RETAKE_RETRY.toMillis(), TimeUnit.MILLISECONDS)
                    .execute(() -> retake(p));
            return;
        }
        budget.adopt(p, jobs);
        jobs.forEach(this::resume);
        Log.warnf("took partition %d over again after its journal producer failed: %d jobs before, %d rebuilt", p,
                forgotten, jobs.size());
    }

    /**
     * Runs on the consumer's polling thread, so no request of these partitions is handled before it returns. The
     * partitions are opened and read at once (each fencing and each read is a few broker round trips); their jobs are
     * adopted and resumed afterwards, in partition order.
     */
    @Override
    public synchronized void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.addAll(partitionsOf(partitions));
        List<Integer> taken = partitionsOf(partitions).stream().filter(p -> !journal.owns(p)).toList();
        if (taken.isEmpty()) {
            return;
        }
        ExecutorService opening = Executors.newFixedThreadPool(Math.min(taken.size(), MAX_OPENING_AT_ONCE),
                r -> new Thread(r, "job-journal-open"));
        try {
            Map<Integer, Future<Collection<JobState>>> reads = new LinkedHashMap<>();
            for (int p : taken) {
                reads.put(p, opening.submit(() -> openAndRead(p)));
            }
            reads.forEach((p, read) -> {
                Collection<JobState> jobs = await(p, read);
                if (jobs != null) {
                    budget.adopt(p, jobs);
                    jobs.forEach(this::resume);
                }
            });
        } finally {
            opening.shutdownNow();
        }
    }

    private Collection<JobState> openAndRead(int p) {
        try {
            return journal.open(p, reader::read);
        } catch (RuntimeException e) {
            // Without its jobs, the partition must not be served: a redelivered request could be paid twice.
            // Giving the journal partition up makes every write for it fail before any paid call, and the
            // unacknowledged requests turn the worker unhealthy until it is restarted.
            journal.close(p);
            Log.errorf(e, "could not rebuild partition %d of the job journal; its requests are not handled", p);
            return null;
        }
    }

    private static Collection<JobState> await(int p, Future<Collection<JobState>> read) {
        try {
            return read.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rebuilding partition " + p, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("rebuilding partition " + p + " failed", e.getCause());
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        release(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        release(partitions);
    }

    private synchronized void release(Collection<TopicPartition> partitions) {
        for (int p : partitionsOf(partitions)) {
            assigned.remove(p);
            journal.close(p);
            int released = store.release(p).size();
            budget.release(p);
            Log.infof("gave up partition %d with %d jobs", p, released);
        }
    }

    /** The driver decides what a taken-over job resumes (the transition table's {@code TakenOver} column). */
    private void resume(JobState job) {
        driver.apply(job, new JobEvent.TakenOver()).subscribe().with(decision -> { }, e -> Log.debugf(
                "job %s: not resumed (%s)", LogText.safe(job.jobId()), e.getClass().getSimpleName()));
    }

    private List<Integer> partitionsOf(Collection<TopicPartition> partitions) {
        return partitions.stream().filter(tp -> tp.topic().equals(requestsTopic)).map(TopicPartition::partition)
                .sorted(Comparator.naturalOrder()).toList();
    }

    /** On shutdown, stop starting work; state is durable at every step, so the next owner resumes the rest. */
    void onShutdown(@Observes ShutdownEvent event) {
        poller.stop();
    }
}

package dev.videoworker.job;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import dev.videoworker.budget.SpendBudget;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.poll.Poller;
import dev.videoworker.submit.Submitter;
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

    private final JobJournal journal;
    private final JournalReader reader;
    private final JobStore store;
    private final Poller poller;
    private final Submitter submitter;
    private final String requestsTopic;
    private final SpendBudget budget;

    public JobOwnership(JobJournal journal, JournalReader reader, JobStore store, Poller poller, Submitter submitter,
            WorkerConfig config, SpendBudget budget) {
        this.budget = budget;
        this.journal = journal;
        this.reader = reader;
        this.store = store;
        this.poller = poller;
        this.submitter = submitter;
        this.requestsTopic = config.topics().requests();
    }

    /** Runs on the consumer's polling thread, so no request of these partitions is handled before it returns. */
    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (int p : partitionsOf(partitions)) {
            if (journal.owns(p)) {
                continue;
            }
            Collection<JobState> jobs;
            try {
                journal.open(p);
                jobs = reader.read(p);
            } catch (RuntimeException e) {
                // Without its jobs, the partition must not be served: a redelivered request could be paid twice.
                // Giving the journal partition up makes every write for it fail before any paid call, and the
                // unacknowledged requests turn the worker unhealthy until it is restarted.
                journal.close(p);
                Log.errorf(e, "could not rebuild partition %d of the job journal; its requests are not handled", p);
                continue;
            }
            store.adopt(jobs);
            budget.adopt(p, jobs);
            jobs.forEach(this::resume);
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

    private void release(Collection<TopicPartition> partitions) {
        for (int p : partitionsOf(partitions)) {
            journal.close(p);
            int released = store.release(p).size();
            budget.release(p);
            Log.infof("gave up partition %d with %d jobs", p, released);
        }
    }

    private void resume(JobState job) {
        switch (job.status()) {
            case SUBMITTING -> submitter.recover(job).subscribe().with(done -> { },
                    e -> Log.errorf(e, "job %s: recovery of its submission failed", job.jobId()));
            case SUBMITTED, QUEUED, IN_PROGRESS -> poller.follow(job);
            case GENERATED, STORING -> poller.resumeStoring(job);
            default -> {
                // terminal (nothing to do) or accepted (never written as state)
            }
        }
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

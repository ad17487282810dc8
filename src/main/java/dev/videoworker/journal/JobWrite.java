package dev.videoworker.journal;

import java.util.List;

import org.apache.kafka.clients.producer.ProducerRecord;

import dev.videoworker.job.JobState;

/**
 * One write to a job's journal partition, committed all-or-nothing, and only if the job is still at
 * {@code baseVersion} under the partition ownership {@code baseEpoch} when the partition's writer commits it.
 *
 * @param baseVersion the version the write was derived from (0: the job has no state yet)
 * @param baseEpoch   the ownership that value belongs to (ignored for a new job)
 * @param next        the job's new state (its version {@code baseVersion + 1}); null when the state does not change
 * @param tombstone   whether the write forgets the job
 * @param records     the state record (if any) and the events that go with it
 */
record JobWrite(String jobId, long baseVersion, long baseEpoch, JobState next, boolean tombstone,
        List<ProducerRecord<String, String>> records) {

    JobWrite {
        records = List.copyOf(records);
        if (next != null && next.version() != baseVersion + 1) {
            throw new IllegalArgumentException("job " + jobId + ": version " + next.version() + " cannot follow "
                    + baseVersion);
        }
    }

    /** A write that only announces: it is committed if the job is still at that version, and changes nothing. */
    static JobWrite announcing(JobState current, List<ProducerRecord<String, String>> records) {
        return new JobWrite(current.jobId(), current.version(), current.epoch(), null, false, records);
    }
}

package dev.videoworker.journal;

import dev.videoworker.job.JobState;

/**
 * A transition refused at commit because it was derived from a state that is no longer the job's last committed
 * one (another transition of the job was committed first). Nothing was written; whoever asked must decide again from
 * {@link #current()}.
 */
public class StaleStateException extends RuntimeException {

    private final transient JobState current;

    public StaleStateException(String jobId, long baseVersion, JobState current) {
        super("job " + jobId + ": a transition from version " + baseVersion + " was refused; the committed version is "
                + (current == null ? 0 : current.version()), null, false, false);
        this.current = current;
    }

    /** The job's committed state when the transition was refused (null: no job of that id). */
    public JobState current() {
        return current;
    }
}

package dev.videoworker.journal;

/**
 * A write for a job whose partition this replica does not (or no longer) own; the write did not happen.
 */
public class NotOwnerException extends RuntimeException {

    public NotOwnerException(int partition) {
        super("this replica does not own partition " + partition + " of the job journal", null, false, false);
    }
}

package dev.videoworker.submit;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.videoworker.job.Decision;
import dev.videoworker.job.JobState;
import dev.videoworker.journal.NotOwnerException;
import dev.videoworker.journal.StaleStateException;
import io.smallrye.mutiny.Uni;

/**
 * The check at the moment a create call would be sent (it holds its permit, any back-off is over). The intent must
 * still be the job's committed state under this replica's ownership of the partition, and its time must be less than
 * {@link #fresh} ago: a new owner counts the create timeout from the intent's time before it reconciles, so a call
 * leaves only right after that time. An older intent is written again (renewed) first; that write goes through the
 * partition's transactional producer, which fails once another replica has taken the partition over.
 * <p>
 * The renewal's time is checked again once its commit returns: a replica frozen or stalled while the commit was on its
 * way (SIGSTOP, a long GC pause, an overloaded host) comes back with a renewal that is no longer fresh, and a new
 * owner may have taken the job over and created it meanwhile. It renews again (which fails when the partition moved)
 * instead of sending on a fence it no longer holds.
 */
final class CreateFence {

    /** Renewals in a row whose commit took longer than {@link #fresh}, before the fence gives up for now. */
    static final int MAX_RENEWALS = 3;

    private final Clock clock;
    private final Duration fresh;
    private final Predicate<JobState> current;
    private final Function<JobState, Uni<Decision>> renew;

    /**
     * @param current whether a state is still the job's committed state under this replica's ownership
     * @param renew writes the intent again (an {@code IntentRenewed} event), completing with the committed decision
     */
    CreateFence(Clock clock, Duration fresh, Predicate<JobState> current, Function<JobState, Uni<Decision>> renew) {
        this.clock = clock;
        this.fresh = fresh;
        this.current = current;
        this.renew = renew;
    }

    /**
     * Whether the create call for {@code holder}'s intent may be sent now: true when it is current and fresh (renewed
     * if needed; {@code holder} then holds the renewed intent), false when it is no longer this replica's to send.
     * Fails with {@link Failed} when a renewal failed without an answer either way, or did not come back fresh
     * {@link #MAX_RENEWALS} times: nothing was sent; the caller may try again later.
     */
    Uni<Boolean> check(AtomicReference<JobState> holder) {
        return check(holder, 0);
    }

    private Uni<Boolean> check(AtomicReference<JobState> holder, int renewals) {
        JobState intent = holder.get();
        if (!current.test(intent)) {
            return Uni.createFrom().item(false);
        }
        if (fresh(intent)) {
            return Uni.createFrom().item(true);
        }
        if (renewals == MAX_RENEWALS) {
            return Uni.createFrom().failure(new Failed("its renewal came back later than " + fresh + " "
                    + MAX_RENEWALS + " times in a row", null));
        }
        return Uni.createFrom().deferred(() -> renew.apply(intent))
                .map(decision -> {
                    if (!decision.applies()) {
                        return false;
                    }
                    holder.set(decision.next());
                    return true;
                })
                .onFailure(e -> e instanceof NotOwnerException || e instanceof StaleStateException)
                .recoverWithItem(false)
                .onFailure().transform(e -> new Failed(e.getClass().getSimpleName(), e))
                // Checked again now that the commit has returned, however long that took.
                .chain(renewed -> renewed ? check(holder, renewals + 1) : Uni.createFrom().item(false));
    }

    private boolean fresh(JobState intent) {
        return Duration.between(intent.updatedAt(), clock.instant()).compareTo(fresh) < 0;
    }

    /**
     * The fence could not be written without an answer either way, or not in time; the call was not sent. The message
     * says why in a few words (the failure's type, never its text).
     */
    static final class Failed extends RuntimeException {
        Failed(String why, Throwable cause) {
            super(why, cause, false, false);
        }
    }
}

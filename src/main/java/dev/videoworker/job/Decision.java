package dev.videoworker.job;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a job's driver does with one event: the transition to commit (if any), whether it is announced, and the steps
 * to run once it is committed.
 *
 * @param kind what happens to the job's state
 * @param next the state to commit ({@link Kind#APPLY}), else the current state (null for an unknown job)
 * @param announce whether the transition is announced (status event; completion when terminal): quiet transitions
 *        (an intent written again, a video id recorded after the end) change the state only
 * @param steps what to run after the commit
 * @param videoId the provider video {@link Step#DELETE_VIDEO} deletes
 * @param refusal why the event was refused ({@link Kind#REFUSED}: a cancel that comes too late)
 * @param passing a status the transition passes through on its way to {@code next}, announced before it in the same
 *        commit but never stored on its own ({@code generated} on the way to {@code storing}); null for none
 */
public record Decision(Kind kind, JobState next, boolean announce, Set<Step> steps, String videoId,
        JobError refusal, JobState passing) {

    public Decision {
        steps = steps == null ? Set.of() : Set.copyOf(steps);
    }

    /** What happens to the job's state. */
    public enum Kind {
        /** A transition is committed. */
        APPLY,
        /** The state already says what the event says; steps may still run. */
        UNCHANGED,
        /** The event no longer applies to the job (it moved on, ended, or is not known): nothing happens. */
        IGNORED,
        /** The event asks for what the job's state does not allow; {@link #refusal} says why. */
        REFUSED
    }

    /** A stage the driver calls once the decision is committed. */
    public enum Step {
        /** Send the create call (fenced). */
        SUBMIT,
        /** The create's outcome is unknown (a take-over of a job in {@code submitting}): search the provider's list. */
        RECONCILE,
        /** Poll the provider until the video is generated. */
        FOLLOW,
        /** Stream the generated video into the object store. */
        STORE,
        /**
         * Delete {@link #videoId} at the provider (not wanted: cancelled, timed out, made after the end; or stored,
         * where the provider deletes after store).
         */
        DELETE_VIDEO,
        /** Search the provider's list for a video a create sent before a cancel made, and delete it. */
        SEARCH_AND_DELETE,
        /** Announce the current state again (a repeated request for a job that ended). */
        REANNOUNCE
    }

    static Decision apply(JobState next, Step... steps) {
        return new Decision(Kind.APPLY, next, true, Set.of(steps), null, null, null);
    }

    static Decision quietly(JobState next, Step... steps) {
        return new Decision(Kind.APPLY, next, false, Set.of(steps), null, null, null);
    }

    static Decision unchanged(JobState current, Step... steps) {
        return new Decision(Kind.UNCHANGED, current, false, Set.of(steps), null, null, null);
    }

    static Decision ignored(JobState current) {
        return new Decision(Kind.IGNORED, current, false, Set.of(), null, null, null);
    }

    static Decision refused(JobState current, JobError why) {
        return new Decision(Kind.REFUSED, current, false, Set.of(), null, why, null);
    }

    Decision deleting(String providerVideoId) {
        Set<Step> more = EnumSet.of(Step.DELETE_VIDEO);
        more.addAll(steps);
        return new Decision(kind, next, announce, more, providerVideoId, refusal, passing);
    }

    /** This transition, announcing {@code through} first: one commit where there used to be two. */
    Decision passingThrough(JobState through) {
        return new Decision(kind, next, announce, steps, videoId, refusal, through);
    }

    /** This decision as committed: {@code committed} is the state the journal's writer committed for it. */
    public Decision committed(JobState committed) {
        return new Decision(kind, committed, announce, steps, videoId, refusal, passing);
    }

    /** Whether the decision commits a transition. */
    public boolean applies() {
        return kind == Kind.APPLY;
    }
}

package dev.videoworker.driver;

import dev.videoworker.job.JobState;

/**
 * The stages the driver calls once a decision is committed (implemented where the stages are known, so that the
 * driver depends on none of them). Each step starts work and returns; what the work finds comes back to the driver
 * as events. {@link dev.videoworker.job.Decision.Step#SUBMIT} is not here: the submit stage that sent the event
 * holds the prepared request and sends the create itself once its intent is committed.
 */
public interface JobSteps {

    /** Polls the provider for the job's video until it is generated. */
    void follow(JobState job);

    /** Streams the generated video into the object store. */
    void store(JobState job);

    /** The job was found in {@code submitting} by a new owner: waits out the create call, then reconciles. */
    void reconcile(JobState intent);

    /** Searches the provider's list for a video a create sent before the job's cancel made, and deletes it. */
    void searchAndDelete(JobState cancelled);

    /** Deletes the provider's copy {@code videoId} of an ended job. */
    void deleteVideo(JobState ended, String videoId);
}

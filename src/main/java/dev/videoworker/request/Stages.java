package dev.videoworker.request;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.driver.JobSteps;
import dev.videoworker.job.JobState;
import dev.videoworker.poll.Poller;
import dev.videoworker.store.Storing;
import dev.videoworker.submit.Submitter;

/** The pipeline's stages, as the job driver calls them. */
@ApplicationScoped
public class Stages implements JobSteps {

    private final Submitter submitter;
    private final Poller poller;
    private final Storing storing;

    public Stages(Submitter submitter, Poller poller, Storing storing) {
        this.submitter = submitter;
        this.poller = poller;
        this.storing = storing;
    }

    @Override
    public void follow(JobState job) {
        poller.follow(job);
    }

    @Override
    public void store(JobState job) {
        storing.store(job);
    }

    @Override
    public void reconcile(JobState intent) {
        submitter.resume(intent);
    }

    @Override
    public void searchAndDelete(JobState cancelled) {
        submitter.cleanUpAfterTakeOver(cancelled);
    }

    @Override
    public void deleteVideo(JobState ended, String videoId) {
        poller.deleteAtProvider(ended, videoId);
    }
}

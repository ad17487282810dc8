package dev.videoworker.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;


/** What a job's state keeps as it moves on. */
class JobStateTest {

    private static JobState intent(String imageUri) {
        VideoRequest request = new VideoRequest("job-1", "sora-2", "a cat", "720x1280", "4",
                new VideoRequest.InputReference(imageUri, "cover"), null, null, null, null);
        return JobState.submitting(request, 0, null, Instant.now(), Instant.now(), null);
    }

    @Test
    void keepsNoInlineImageBytesOnceTheProviderHasTheJob() {
        String image = "data:image/png;base64," + "A".repeat(200_000);
        JobState submitting = intent(image);
        assertThat(submitting.request().inputReference().uri()).isEqualTo(image);

        JobState submitted = submitting.submitted("video_1", Instant.now(), Instant.now());

        String kept = submitted.request().inputReference().uri();
        assertThat(kept).startsWith("data:image/png;base64,").hasSizeLessThan(100).contains("200022 characters");
        assertThat(submitted.request().inputReference().fit()).isEqualTo("cover");
        assertThat(submitted.request().prompt()).isEqualTo("a cat");
    }

    @Test
    void keepsAnImageReferenceThatIsNoInlineImage() {
        JobState submitted = intent("s3://inputs/cat.png").submitted("video_1", Instant.now(), Instant.now());

        assertThat(submitted.request().inputReference().uri()).isEqualTo("s3://inputs/cat.png");
    }

    @Test
    void aCancelledOrTimedOutJobWithAProviderVideoHasItsCopyDeletedOnTakeOver() {
        JobState submitted = intent("s3://inputs/cat.png").submitted("video_1", Instant.now(), Instant.now());

        assertThat(submitted.ended(JobStatus.CANCELLED, JobError.of("cancelled", "x"), Instant.now())
                .providerCopyUnwanted()).isTrue();
        assertThat(submitted.ended(JobStatus.FAILED, JobError.of("timeout", "x"), Instant.now())
                .providerCopyUnwanted()).isTrue();
        assertThat(submitted.ended(JobStatus.FAILED, JobError.of("moderation_blocked", "x"), Instant.now())
                .providerCopyUnwanted()).isFalse();
        JobState cancelledBeforeCreate = intent("s3://inputs/cat.png").ended(JobStatus.CANCELLED,
                JobError.of("cancelled", "x"), Instant.now());
        assertThat(cancelledBeforeCreate.providerCopyUnwanted()).isFalse();
        assertThat(cancelledBeforeCreate.withVideoId("video_2").providerCopyUnwanted())
                .as("a video made after the job was cancelled").isTrue();
        assertThat(submitted.ended(JobStatus.CANCELLED, JobError.of("cancelled", "x"), Instant.now()).slim()
                .providerCopyUnwanted()).as("long ended").isFalse();
    }
}

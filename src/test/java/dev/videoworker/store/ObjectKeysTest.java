package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class ObjectKeysTest {

    @Test
    void sanitisesVariableValuesSoTheyCannotLeaveTheirSegment() {
        assertThat(ObjectKeys.render("out/{jobId}.mp4", Map.of("jobId", "../../etc/passwd")))
                .isEqualTo("out/.._.._etc_passwd.mp4");
        assertThat(ObjectKeys.render("{jobId}", Map.of("jobId", ".."))).isEqualTo("___");
        assertThat(ObjectKeys.problem(ObjectKeys.render("{jobId}", Map.of("jobId", "..")))).isEmpty();
        assertThat(ObjectKeys.render("a/{jobId}", Map.of("jobId", "x\u0000y\\z"))).isEqualTo("a/x_y_z");
    }

    @Test
    void refusesTraversalAbsoluteBackslashControlAndOverlongKeys() {
        assertThat(ObjectKeys.problem("a/../b")).isPresent();
        assertThat(ObjectKeys.problem("/a")).isPresent();
        assertThat(ObjectKeys.problem("a\\b")).isPresent();
        assertThat(ObjectKeys.problem("a\nb")).isPresent();
        assertThat(ObjectKeys.problem("a//b")).isPresent();
        assertThat(ObjectKeys.problem("x".repeat(1025))).isPresent();
        assertThat(ObjectKeys.problem("campaign-7/job.mp4")).isEmpty();
    }

    @Test
    void keepsVariantKeysBesideTheVideo() {
        assertThat(VideoStore.variantKey("c/job.mp4", "thumbnail")).isEqualTo("c/job.thumbnail.webp");
        assertThat(VideoStore.variantKey("c/job", "spritesheet")).isEqualTo("c/job.spritesheet.jpg");
    }
}

package dev.videoworker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.regex.Pattern;

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
    void refusesFormatAndSeparatorCharactersNamingTheirCodePoint() {
        assertThat(ObjectKeys.problem("a\u202Eb.mp4")).contains("the object key must not contain U+202E (a format "
                + "character)");
        assertThat(ObjectKeys.problem("\uFEFFa.mp4")).get().asString().contains("U+FEFF");
        assertThat(ObjectKeys.problem("a\u2028b")).get().asString().contains("U+2028 (a line separator)");
        assertThat(ObjectKeys.problem("a\u0085b")).get().asString().contains("U+0085 (a control character)");
        assertThat(ObjectKeys.problem("a\uD800b")).get().asString().contains("U+D800 (an unpaired surrogate)");
        assertThat(ObjectKeys.problem("\u05e9/\uD83C\uDFAC.mp4")).isEmpty();
    }

    @Test
    void rendersOnlyKnownVariablesAndRefusesEveryOtherBrace() {
        Map<String, String> vars = Map.of("jobId", "j1", "model", "sora-2");
        assertThat(ObjectKeys.render("c/{model}/{jobId}.mp4", vars)).isEqualTo("c/sora-2/j1.mp4");
        for (String template : new String[] {"{jobId.class.classLoader}", "{videoId}", "{jobId", "jobId}", "{}",
                "{{jobId}}"}) {
            assertThatThrownBy(() -> ObjectKeys.render(template, vars)).as(template)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a variable");
        }
        assertThatThrownBy(() -> ObjectKeys.render("{" + "v".repeat(5_000) + "}", vars))
                .hasMessageContaining("…' is not a variable").message().hasSizeLessThan(100);
    }

    @Test
    void recognisesTheKeysATemplateWritesAndNoOthers() {
        Pattern keys = VideoStore.keysOf("out/{model}/{jobId}.mp4");
        String video = ObjectKeys.render("out/{model}/{jobId}.mp4", Map.of("model", "sora-2", "jobId", "a/../b c"));
        assertThat(keys.matcher(video).matches()).as(video).isTrue();
        assertThat(keys.matcher(VideoStore.variantKey(video, "thumbnail")).matches()).isTrue();
        assertThat(keys.matcher(VideoStore.variantKey(video, "spritesheet")).matches()).isTrue();
        assertThat(keys.matcher("out/sora-2/deeper/job.mp4").matches()).isFalse();
        assertThat(keys.matcher("out/sora-2/job.mov").matches()).isFalse();
        assertThat(keys.matcher("other/sora-2/job.mp4").matches()).isFalse();
        assertThat(ObjectKeys.literalPrefix("out/{model}/{jobId}.mp4")).isEqualTo("out/");
        assertThat(ObjectKeys.literalPrefix("{jobId}.mp4")).isEmpty();
        // literal text of a template is matched as text, not as a pattern
        assertThat(VideoStore.keysOf("a+b/{jobId}").matcher("aab/x").matches()).isFalse();
        assertThat(VideoStore.keysOf("a+b/{jobId}").matcher("a+b/x.thumbnail.webp").matches()).isTrue();
    }

    @Test
    void keepsVariantKeysBesideTheVideo() {
        assertThat(VideoStore.variantKey("c/job.mp4", "thumbnail")).isEqualTo("c/job.thumbnail.webp");
        assertThat(VideoStore.variantKey("c/job", "spritesheet")).isEqualTo("c/job.spritesheet.jpg");
    }
}

package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Provider messages lose anything shaped like a key before they reach an event.
 */
class RedactionTest {

    @Test
    void removesKeysQuotedInAProviderMessage() {
        assertThat(VideosClient.redact("Incorrect API key provided: sk-proj-AbC123xyz***********wxyz. You can find"))
                .isEqualTo("Incorrect API key provided: [redacted]. You can find");
        assertThat(VideosClient.redact("Your request was blocked by our moderation system."))
                .isEqualTo("Your request was blocked by our moderation system.");
    }
}

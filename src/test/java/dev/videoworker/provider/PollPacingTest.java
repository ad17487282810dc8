package dev.videoworker.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** A provider's {@code polls-per-second}: polls take evenly spaced turns; idle time is not saved up as a burst. */
class PollPacingTest {

    static VideosClient client(double pollsPerSecond) {
        ProviderSettings settings = new ProviderSettings("paced", "http://127.0.0.1:9", Dialects.named("openai"), null,
                "default", 1, 100, true, Map.of(), List.of(), pollsPerSecond);
        return new VideosClient(settings, null, null, null, null, null, null, null, null, Duration.ofSeconds(1), null,
                null, null);
    }

    @Test
    void pollsAtTheLimitWaitForEvenlySpacedTurns() {
        VideosClient client = client(10);
        long t0 = 1_000_000_000L;

        assertThat(client.pollTurn(t0)).isZero();
        assertThat(client.pollTurn(t0)).isEqualTo(Duration.ofMillis(100));
        assertThat(client.pollTurn(t0 + 50_000_000L)).isEqualTo(Duration.ofMillis(150));
        // long idle: the next poll goes at once, and only one
        assertThat(client.pollTurn(t0 + 5_000_000_000L)).isZero();
        assertThat(client.pollTurn(t0 + 5_000_000_000L)).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void withoutALimitNoPollWaits() {
        VideosClient client = client(0);
        for (int i = 0; i < 5; i++) {
            assertThat(client.pollTurn(42)).isZero();
        }
    }
}

package dev.videoworker.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.videoworker.bench.PollingEfficiency.Comparison;

/**
 * Issue 6, 1(d): in virtual time, over jobs of two to five minutes with noisy progress, the adaptive schedule with the
 * worker's default settings makes at most a third of the polls of a fixed 15-second schedule and sees a finished
 * video, in the median, at most half as late.
 */
class PollingEfficiencyTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 42, 20_250_101})
    void pollsAThirdAsOftenAndSeesTheEndTwiceAsSoon(long seed) {
        Comparison c = PollingEfficiency.compare(500, seed);

        assertThat(c.fixed().pollsPerJob()).as("the baseline: one poll per 15 s of 2–5 min jobs").isBetween(8.0, 20.0);
        assertThat(c.fixed().delayP50Seconds()).as("the baseline's median delay").isBetween(5.0, 10.0);
        assertThat(c.adaptive().pollsPerJob()).as(PollingEfficiency.table(c))
                .isLessThanOrEqualTo(c.fixed().pollsPerJob() / 3);
        assertThat(c.adaptive().delayP50Seconds()).as(PollingEfficiency.table(c))
                .isLessThanOrEqualTo(c.fixed().delayP50Seconds() / 2);
    }

    @ParameterizedTest
    @ValueSource(longs = {7})
    void theSameSeedGivesTheSameFigures(long seed) {
        assertThat(PollingEfficiency.compare(200, seed)).isEqualTo(PollingEfficiency.compare(200, seed));
    }
}

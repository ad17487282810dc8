package dev.videoworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.videoworker.testing.MutableClock;

/** Which calls the engine hits with which fault, without HTTP: rates, seeds, scripted faults and counters. */
class SimulatorFaultsTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    private VideoSimulator simulator = simulator(FaultSettings.none());

    private VideoSimulator simulator(FaultSettings faults) {
        return new VideoSimulator(SimulatorSettings.defaults().withApiKey("sim-test-key")
                .withDuration(Duration.ofSeconds(100)).withFps(2).withFaults(faults), clock);
    }

    @AfterEach
    void closeSimulator() {
        simulator.close();
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void atRateOneEveryCallItCanHitGetsTheFault(Fault fault) {
        simulator.faults(FaultSettings.none().withRate(fault, 1.0).withSeed(11));
        for (Endpoint endpoint : Endpoint.values()) {
            for (int i = 0; i < 20; i++) {
                assertThat(simulator.nextFault(endpoint, "video_x")).as("%s of %s", fault, endpoint)
                        .isEqualTo(fault.appliesTo(endpoint) ? fault : null);
            }
            assertThat(simulator.callCount(endpoint)).isEqualTo(20);
            assertThat(simulator.faultCount(endpoint, fault)).isEqualTo(fault.appliesTo(endpoint) ? 20 : 0);
        }
        long endpoints = Arrays.stream(Endpoint.values()).filter(fault::appliesTo).count();
        assertThat(simulator.faultCount(fault)).isEqualTo(20 * (int) endpoints);
    }

    @Test
    void atRateZeroNoCallGetsAFault() {
        simulator.faults(FaultSettings.none().withSeed(11));
        for (Endpoint endpoint : Endpoint.values()) {
            for (int i = 0; i < 500; i++) {
                assertThat(simulator.nextFault(endpoint, null)).isNull();
            }
        }
        for (Fault fault : Fault.values()) {
            assertThat(simulator.faultCount(fault)).isZero();
        }
        assertThat(simulator.callCount(Endpoint.RETRIEVE)).isEqualTo(500);
    }

    @Test
    void theSameSeedGivesTheSameFaultsAndTheRatesHold() {
        FaultSettings mixed = FaultSettings.none().withRate(Fault.RATE_LIMIT, 0.1).withRate(Fault.SERVER_ERROR, 0.05)
                .withRate(Fault.UNAVAILABLE, 0.05).withRate(Fault.RESET, 0.05).withRate(Fault.TRUNCATE, 0.1)
                .withSeed(2026);
        List<Fault> first = draws(mixed, Endpoint.CONTENT, 4000);
        simulator.reset();
        List<Fault> second = draws(mixed, Endpoint.CONTENT, 4000);

        assertThat(second).isEqualTo(first);
        long rateLimited = first.stream().filter(f -> f == Fault.RATE_LIMIT).count();
        assertThat(rateLimited).isBetween(340L, 460L);
        long none = first.stream().filter(f -> f == null).count();
        assertThat(none).isBetween(2600L, 3000L);
        // content-only faults never hit other endpoints
        assertThat(draws(mixed, Endpoint.RETRIEVE, 2000)).doesNotContain(Fault.TRUNCATE, Fault.SLOW_CONTENT);
    }

    private List<Fault> draws(FaultSettings faults, Endpoint endpoint, int calls) {
        simulator.faults(faults);
        List<Fault> drawn = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            drawn.add(simulator.nextFault(endpoint, null));
        }
        return drawn;
    }

    @Test
    void scriptedFaultsComeFirstOnlyForTheirTargetAndInOrder() {
        simulator.failNext(Endpoint.RETRIEVE, "video_a", Fault.UNAVAILABLE, 2);
        simulator.failNext(Endpoint.RETRIEVE, "video_a", Fault.RATE_LIMIT, 1);

        assertThat(simulator.nextFault(Endpoint.RETRIEVE, "video_b")).isNull();
        assertThat(simulator.nextFault(Endpoint.LIST, null)).isNull();
        List<Fault> forA = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            forA.add(simulator.nextFault(Endpoint.RETRIEVE, "video_a"));
        }

        assertThat(forA).containsExactly(Fault.UNAVAILABLE, Fault.UNAVAILABLE, Fault.RATE_LIMIT, null);
        assertThat(simulator.calls("video_a")).extracting(VideoSimulator.Call::fault)
                .containsExactly(Fault.UNAVAILABLE, Fault.UNAVAILABLE, Fault.RATE_LIMIT, null);
        assertThat(simulator.calls()).hasSize(6);
        assertThatThrownBy(() -> simulator.failNext(Endpoint.RETRIEVE, null, Fault.TRUNCATE, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resetForgetsCountsAndScriptsAndRestoresTheConfiguredFaults() {
        simulator.close();
        simulator = simulator(FaultSettings.none().withRate(Fault.RESET, 1.0).withSeed(3));
        simulator.faults(FaultSettings.none());
        simulator.failNext(Endpoint.LIST, null, Fault.SERVER_ERROR, 5);
        simulator.nextFault(Endpoint.LIST, null);

        simulator.reset();

        assertThat(simulator.callCount(Endpoint.LIST)).isZero();
        assertThat(simulator.faultCount(Fault.SERVER_ERROR)).isZero();
        assertThat(simulator.calls()).isEmpty();
        assertThat(simulator.nextFault(Endpoint.LIST, null)).isEqualTo(Fault.RESET);
    }

    @Test
    void expiryFaultMakesContentExpireSoonAfterCompletion() {
        simulator.faults(FaultSettings.none().withExpiry(1.0, Duration.ofSeconds(5)).withSeed(1));
        String early = simulator.create(CreateVideoRequest.of(null, "expires early", null, null)).id();
        simulator.faults(FaultSettings.none());
        String normal = simulator.create(CreateVideoRequest.of(null, "expires late", null, null)).id();

        clock.advance(Duration.ofSeconds(100));
        VideoSnapshot video = simulator.retrieve(early);
        assertThat(video.expiresAt() - video.completedAt()).isEqualTo(5);
        VideoSnapshot other = simulator.retrieve(normal);
        assertThat(other.expiresAt() - other.completedAt()).isEqualTo(3600);
    }

    @Test
    void createOnlyFaultsNeverHitOtherCallsAndLeaveOlderDrawsAsTheyWere() {
        FaultSettings older = FaultSettings.none().withRate(Fault.RATE_LIMIT, 0.2).withRate(Fault.RESET, 0.2)
                .withSeed(99);
        List<Fault> before = draws(older, Endpoint.RETRIEVE, 500);
        FaultSettings withCreateFaults = older.withRate(Fault.CREATE_LOST_504, 0.2)
                .withRate(Fault.CREATE_RESET, 0.2).withRate(Fault.CREATE_STALL, 0.2);

        assertThat(draws(withCreateFaults, Endpoint.RETRIEVE, 500)).isEqualTo(before);
        assertThat(draws(withCreateFaults, Endpoint.CREATE, 500)).contains(Fault.CREATE_LOST_504,
                Fault.CREATE_RESET, Fault.CREATE_STALL, Fault.RATE_LIMIT, Fault.RESET);
        assertThatThrownBy(() -> simulator.failNext(Endpoint.LIST, null, Fault.CREATE_LOST_504, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void defaultsChangeNothing() {
        FaultSettings none = SimulatorSettings.fromLookup(key -> null).faults();

        assertThat(none).isEqualTo(FaultSettings.none());
        assertThat(none.anyFaults()).isFalse();
        assertThat(none.listLag()).isZero();
        assertThat(none.listOmitsPrompt()).isFalse();
        assertThat(none.createStallDuration()).isEqualTo(FaultSettings.DEFAULT_STALL_DURATION);
        assertThatThrownBy(() -> FaultSettings.none().withListLag(Duration.ofSeconds(-1)))
                .hasMessageContaining("negative");
    }

    @Test
    void readsEveryKeyAndRefusesRatesAddingUpToMoreThanOne() {
        Map<String, String> keys = Map.ofEntries(
                Map.entry("faults.rate-limit-rate", "0.1"), Map.entry("faults.server-error-rate", "0.05"),
                Map.entry("faults.unavailable-rate", "0.05"), Map.entry("faults.reset-rate", "0.02"),
                Map.entry("faults.stall-rate", "0.01"), Map.entry("faults.stall-duration", "75s"),
                Map.entry("faults.truncate-rate", "0.03"), Map.entry("faults.slow-content-rate", "0.04"),
                Map.entry("faults.slow-content-duration", "PT3S"), Map.entry("faults.expire-rate", "0.2"),
                Map.entry("faults.expire-after-completion", "2s"), Map.entry("faults.retry-after", "500ms"),
                Map.entry("faults.seed", "42"), Map.entry("faults.create-lost-504-rate", "0.06"),
                Map.entry("faults.create-reset-rate", "0.07"), Map.entry("faults.create-stall-rate", "0.08"),
                Map.entry("faults.create-stall-duration", "PT2S"), Map.entry("faults.list-lag", "PT15S"),
                Map.entry("faults.list-omits-prompt", "true"),
                Map.entry("faults.list-cursor-gone-rate", "0.09"));
        FaultSettings faults = SimulatorSettings.fromLookup(keys::get).faults();

        assertThat(faults.rate(Fault.RATE_LIMIT)).isEqualTo(0.1);
        assertThat(faults.rate(Fault.SERVER_ERROR)).isEqualTo(0.05);
        assertThat(faults.rate(Fault.UNAVAILABLE)).isEqualTo(0.05);
        assertThat(faults.rate(Fault.RESET)).isEqualTo(0.02);
        assertThat(faults.rate(Fault.STALL)).isEqualTo(0.01);
        assertThat(faults.rate(Fault.TRUNCATE)).isEqualTo(0.03);
        assertThat(faults.rate(Fault.SLOW_CONTENT)).isEqualTo(0.04);
        assertThat(faults.stallDuration()).isEqualTo(Duration.ofSeconds(75));
        assertThat(faults.slowContentDuration()).isEqualTo(Duration.ofSeconds(3));
        assertThat(faults.expireRate()).isEqualTo(0.2);
        assertThat(faults.expireAfterCompletion()).isEqualTo(Duration.ofSeconds(2));
        assertThat(faults.retryAfter()).isEqualTo(Duration.ofMillis(500));
        assertThat(faults.seed()).hasValue(42);
        assertThat(faults.rate(Fault.CREATE_LOST_504)).isEqualTo(0.06);
        assertThat(faults.rate(Fault.CREATE_RESET)).isEqualTo(0.07);
        assertThat(faults.rate(Fault.CREATE_STALL)).isEqualTo(0.08);
        assertThat(faults.createStallDuration()).isEqualTo(Duration.ofSeconds(2));
        assertThat(faults.listLag()).isEqualTo(Duration.ofSeconds(15));
        assertThat(faults.listOmitsPrompt()).isTrue();
        assertThat(faults.rate(Fault.LIST_CURSOR_GONE)).isEqualTo(0.09);
        Set<Fault> named = EnumSet.noneOf(Fault.class);
        keys.keySet().forEach(k -> {
            for (Fault f : Fault.values()) {
                if (k.equals("faults." + FaultSettings.key(f))) {
                    named.add(f);
                }
            }
        });
        assertThat(named).containsExactlyInAnyOrder(Fault.values());

        assertThatThrownBy(() -> FaultSettings.none().withRate(Fault.RESET, 0.6).withRate(Fault.STALL, 0.6))
                .hasMessageContaining("at most 1");
        assertThatThrownBy(() -> FaultSettings.none().withRate(Fault.RESET, -0.1))
                .hasMessageContaining("reset-rate");
    }
}

package dev.videoworker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Meters registered once per tag combination and found again: each call counts in its own series. */
class WorkerMetricsTest {

    @Test
    void providerCallsCountPerTagCombination() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry);
        long started = System.nanoTime();

        metrics.providerCall("openai", "create", "ok", started);
        metrics.providerCall("openai", "create", "ok", started);
        metrics.providerCall("openai", "create", "429", started);
        metrics.providerCall("other", "retrieve", "ok", started);

        assertThat(timer(registry, "openai", "create", "ok").count()).isEqualTo(2);
        assertThat(timer(registry, "openai", "create", "429").count()).isEqualTo(1);
        assertThat(timer(registry, "other", "retrieve", "ok").count()).isEqualTo(1);
        assertThat(registry.find("worker.provider.calls").timers()).hasSize(3);
    }

    @Test
    void storedBytesAddUpInOneCounter() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics(registry);

        metrics.stored(1000);
        metrics.stored(24);

        assertThat(registry.get("worker.storage.bytes").counter().count()).isEqualTo(1024.0);
    }

    private static Timer timer(SimpleMeterRegistry registry, String provider, String call, String status) {
        return registry.get("worker.provider.calls").tag("provider", provider).tag("call", call).tag("status", status)
                .timer();
    }
}

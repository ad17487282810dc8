package dev.videoworker.trace;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

import jakarta.inject.Singleton;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * An in-memory span exporter for {@code @QuarkusTest}s (a CDI bean, picked up by Quarkus' OpenTelemetry), keeping the
 * latest spans only so that long test runs do not grow without bound.
 */
@Singleton
public class RecordingSpanExporter implements SpanExporter {

    static final int KEEP = 20_000;

    private final ConcurrentLinkedDeque<SpanData> spans = new ConcurrentLinkedDeque<>();

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
        spans.addAll(batch);
        while (spans.size() > KEEP) {
            spans.pollFirst();
        }
        return CompletableResultCode.ofSuccess();
    }

    /** Every span recorded so far (the latest {@link #KEEP}). */
    public List<SpanData> all() {
        return List.copyOf(spans);
    }

    /** The spans of one trace recorded so far. */
    public List<SpanData> trace(String traceId) {
        return spans.stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}

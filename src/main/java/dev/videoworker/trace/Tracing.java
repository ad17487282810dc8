package dev.videoworker.trace;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * One trace per job: continued from the request record's headers (W3C {@code traceparent}) or started when the
 * record is read, kept in the job's durable state, and joined by every provider call and every status and completion
 * event of the job (their Kafka headers carry it on), on whichever replica drives the job.
 */
@ApplicationScoped
public class Tracing {

    /** The W3C trace context header. */
    public static final String TRACEPARENT = "traceparent";

    private static final TextMapGetter<Headers> KAFKA_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            List<String> keys = new ArrayList<>();
            carrier.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers carrier, String key) {
            Header h = carrier == null ? null : carrier.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    public Tracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("sora-video-worker");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** A request record was read: its span (continuing the producer's trace, if any); returns the job's trace. */
    public String received(Headers headers, String topic, String jobId) {
        Context parent = propagator.extract(Context.root(), headers, KAFKA_HEADERS);
        Span span = tracer.spanBuilder(topic + " process").setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "kafka").setAttribute("messaging.destination.name", topic)
                .setAttribute("video.job_id", jobId).startSpan();
        span.end();
        return traceparent(Context.root().with(span));
    }

    /** Adds the job's trace to an outgoing record, through a producer span of that trace. */
    public void inject(String trace, String topic, Headers headers) {
        if (trace == null) {
            return;
        }
        Span span = tracer.spanBuilder(topic + " publish").setParent(context(trace)).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka").setAttribute("messaging.destination.name", topic)
                .startSpan();
        propagator.inject(Context.root().with(span), headers, (carrier, key, value) -> {
            carrier.remove(key);
            carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
        });
        span.end();
    }

    /** A call to the Videos API within the job's trace; null without a trace. End it with {@link #end}. */
    public Span providerCall(String call, String trace) {
        if (trace == null) {
            return null;
        }
        return tracer.spanBuilder("videos-api " + call).setParent(context(trace)).setSpanKind(SpanKind.CLIENT)
                .setAttribute("video.call", call).startSpan();
    }

    /**
     * The W3C {@code traceparent} naming {@code span} as the parent, for an outgoing HTTP call; null without a span.
     * Built from the span's context directly (no propagator, no map): it is sent with every provider call.
     */
    public static String traceparent(Span span) {
        if (span == null) {
            return null;
        }
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return null;
        }
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    public static void end(Span span, Throwable failure) {
        if (span == null) {
            return;
        }
        if (failure != null) {
            span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
        }
        span.end();
    }

    private Context context(String traceparent) {
        return propagator.extract(Context.root(), Map.of("traceparent", traceparent), MAP);
    }

    private String traceparent(Context context) {
        Map<String, String> carrier = new HashMap<>();
        propagator.inject(context, carrier, Map::put);
        return carrier.get("traceparent");
    }
}

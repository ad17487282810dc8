package dev.videoworker.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.TopicRecorder;
import dev.videoworker.pipeline.WorkerTest;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;

/**
 * One trace per job: a request sent with a W3C {@code traceparent}, the provider calls it causes, and every status
 * and completion event it produces share that trace, in the exported spans and in the events' Kafka headers.
 */
@QuarkusTest
class TracingTest extends WorkerTest {

    @Inject
    RecordingSpanExporter exporter;

    @Test
    void aRequestItsProviderCallsAndItsEventsShareOneTrace() throws Exception {
        String traceId = hex(16);
        String jobId = "traced-" + UUID.randomUUID();
        jobs.send(jobId, "{\"prompt\":\"A paper crane " + jobId + "\"}",
                Map.of("traceparent", "00-" + traceId + "-" + hex(8) + "-01"));
        assertThat(jobs.awaitCompletion(jobId).path("outcome").asText()).isEqualTo("succeeded");

        List<TopicRecorder.Seen> events = new java.util.ArrayList<>(jobs.records(JobsClient.STATUS, jobId));
        events.addAll(jobs.records(JobsClient.COMPLETED, jobId));
        assertThat(events).hasSizeGreaterThanOrEqualTo(5);
        for (TopicRecorder.Seen event : events) {
            assertThat(event.header("traceparent")).as(event.topic() + " " + event.text())
                    .startsWith("00-" + traceId + "-");
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Set<String> names = exporter.trace(traceId).stream().map(SpanData::getName).collect(Collectors.toSet());
            assertThat(names).contains("video.requests process", "videos-api create", "videos-api retrieve",
                    "videos-api content", "video.status publish", "video.completed publish");
            List<SpanData> spans = exporter.trace(traceId);
            assertThat(exporter.all()).as("in any trace, the worker's own client and consumer spans only: Vert.x's "
                    + "provider client spans and SmallRye's request-consumer spans are off")
                    .filteredOn(s -> s.getKind() == SpanKind.CLIENT || s.getKind() == SpanKind.CONSUMER)
                    .extracting(SpanData::getName).allMatch(n -> n.startsWith("videos-api ") || n.endsWith(" process"));
            // The provider (here the built-in simulator, traced like any server) continues each call's traceparent.
            SpanData create = spans.stream().filter(s -> s.getName().equals("videos-api create")).findFirst()
                    .orElseThrow();
            assertThat(spans).filteredOn(s -> s.getKind() == SpanKind.SERVER && s.getName().equals("POST /v1/videos"))
                    .singleElement().extracting(SpanData::getParentSpanId).isEqualTo(create.getSpanId());
        });
    }

    @Test
    void aRequestWithoutATraceStartsOneThatItsEventsShare() throws Exception {
        String jobId = "untraced-" + UUID.randomUUID();
        jobs.send(jobId, "{\"prompt\":\"x\",\"model\":\"sora-9\"}");
        jobs.awaitCompletion(jobId);
        List<TopicRecorder.Seen> events = new java.util.ArrayList<>(jobs.records(JobsClient.STATUS, jobId));
        events.addAll(jobs.records(JobsClient.COMPLETED, jobId));
        Set<String> traces = events.stream().map(e -> e.header("traceparent").split("-")[1])
                .collect(Collectors.toSet());
        assertThat(traces).hasSize(1);
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1;
        return HexFormat.of().formatHex(b);
    }
}

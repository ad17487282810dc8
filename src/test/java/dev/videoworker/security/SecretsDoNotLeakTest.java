package dev.videoworker.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.Partitions;
import dev.videoworker.testing.S3Server;
import dev.videoworker.testing.WorkerTestResources;
import dev.videoworker.webhook.WebhookEndpoint;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Runs a full job and failure paths with recognisable fake secrets, then searches everything the worker wrote (its
 * log at debug level, every record of its topics with headers, its health output and metrics) for them.
 */
@QuarkusTest
@TestProfile(SecretsDoNotLeakTest.RecognisableSecrets.class)
class SecretsDoNotLeakTest extends WorkerTest {

    static final String PROVIDER_KEY = "sk-FAKE-leak-5f1e0c";
    /** Decoded webhook key: recognisable, and no {@code sk-} key. */
    static final String WEBHOOK_KEY_TEXT = "FAKE-webhook-leak-7c2d91";
    static final String WEBHOOK_KEY_BASE64 = Base64.getEncoder()
            .encodeToString(WEBHOOK_KEY_TEXT.getBytes(StandardCharsets.US_ASCII));
    static final String WEBHOOK_SECRET = "whsec_" + WEBHOOK_KEY_BASE64;
    static final Path LOG = Path.of("target", "secret-scan", "worker.log");

    /**
     * A provider key and a webhook secret that are easy to find (the simulator signs its webhooks to the worker with
     * it), and the worker's own log in a file at debug level.
     */
    public static class RecognisableSecrets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("worker.webhooks.secret", WEBHOOK_SECRET),
                    Map.entry("simulator.webhook-secret", WEBHOOK_SECRET),
                    Map.entry("simulator.webhook-url", "${worker.provider.base-url}" + WebhookEndpoint.PATH),
                    Map.entry("worker.provider.api-key", PROVIDER_KEY),
                    Map.entry("simulator.api-key", PROVIDER_KEY),
                    Map.entry("quarkus.log.file.enabled", "true"),
                    Map.entry("quarkus.log.file.path", LOG.toString()),
                    Map.entry("quarkus.log.file.level", "DEBUG"),
                    Map.entry("quarkus.log.category.\"dev.videoworker\".level", "DEBUG"),
                    Map.entry("quarkus.log.category.\"io.quarkus.rest.client\".level", "DEBUG"),
                    Map.entry("quarkus.log.category.\"org.jboss.resteasy.reactive.client\".level", "DEBUG"));
        }
    }

    @ConfigProperty(name = "worker.provider.api-key")
    String configuredKey;

    @Inject
    MeterRegistry registry;

    private double webhooks(String... outcomes) {
        double sum = 0;
        for (String outcome : outcomes) {
            Counter counter = registry.find("worker.webhooks").tag("outcome", outcome).counter();
            sum += counter == null ? 0 : counter.count();
        }
        return sum;
    }

    @Test
    void noSecretAppearsInLogsEventsOrHealth() throws Exception {
        assertThat(configuredKey).as("the worker runs with the recognisable key").isEqualTo(PROVIDER_KEY);
        String run = UUID.randomUUID().toString();
        String ok = "leak-ok-" + run;
        String moderated = "leak-moderated-" + run;
        String invalid = "leak-invalid-" + run;
        String garbage = "leak-garbage-" + run;
        String missingRef = "leak-ref-" + run;
        jobs.send(ok, "{\"prompt\":\"A quiet library " + run + "\",\"variants\":[\"thumbnail\"]}");
        jobs.send(moderated, "{\"prompt\":\"[simulate:moderation] " + run + "\"}");
        jobs.send(invalid, "{\"prompt\":\"x\",\"model\":\"sora-9\"}");
        jobs.send(garbage, "not json at all");
        jobs.send(missingRef, "{\"prompt\":\"ref " + run + "\",\"inputReference\":{\"uri\":\"s3://inputs/none-" + run
                + ".png\"}}");
        for (String id : List.of(ok, moderated, invalid, garbage, missingRef)) {
            jobs.awaitCompletion(id);
        }
        JsonNode stored = jobs.awaitCompletion(ok);
        assertThat(stored.path("outcome").asText()).isEqualTo("succeeded");
        // the simulator's signed webhooks reached the worker, and a forged one was refused
        await().atMost(30, TimeUnit.SECONDS).until(() -> webhooks("unknown_video", "polled", "busy", "late_polled",
                "late_busy") > 0);
        given().contentType("application/json").body("{\"type\":\"video.completed\",\"data\":{\"id\":\"v\"}}")
                .header("webhook-id", "evt_forged").header("webhook-timestamp", String.valueOf(Instant.now()
                        .getEpochSecond()))
                .header("webhook-signature", "v1,AAAA").post(WebhookEndpoint.PATH).then().statusCode(401);

        List<String> secrets = List.of(PROVIDER_KEY, S3Server.SECRET_KEY, WEBHOOK_SECRET, WEBHOOK_KEY_BASE64,
                WEBHOOK_KEY_TEXT);
        String health = given().get("/q/health").asString();
        List<String> written = new ArrayList<>();
        written.add(health);
        String metrics = given().get("/q/metrics").asString();
        assertThat(metrics).as("the metrics are served").contains("worker_spend_usd_total");
        written.add(metrics);
        written.add(Files.readString(LOG, StandardCharsets.UTF_8));
        for (String topic : List.of("video.status", "video.completed", "video.jobs", "video.requests.dlq")) {
            for (int p = 0; p < 3; p++) {
                for (ConsumerRecord<String, String> r : Partitions.readCommitted(
                        WorkerTestResources.broker().bootstrapServers(), topic, p)) {
                    written.add(r.key() + " " + r.value());
                    for (Header h : r.headers()) {
                        written.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        assertThat(String.join("\n", written)).as("the log mentions the run").contains(run);
        for (String secret : secrets) {
            for (String text : written) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }
}

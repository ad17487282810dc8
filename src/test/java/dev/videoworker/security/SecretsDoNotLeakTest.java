package dev.videoworker.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.Partitions;
import dev.videoworker.testing.S3Server;
import dev.videoworker.testing.WorkerTestResources;
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
    static final Path LOG = Path.of("target", "secret-scan", "worker.log");

    /** A provider key that is easy to find, and the worker's own log in a file at debug level. */
    public static class RecognisableSecrets implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "worker.provider.api-key", PROVIDER_KEY,
                    "simulator.api-key", PROVIDER_KEY,
                    "quarkus.log.file.enabled", "true",
                    "quarkus.log.file.path", LOG.toString(),
                    "quarkus.log.file.level", "DEBUG",
                    "quarkus.log.category.\"dev.videoworker\".level", "DEBUG",
                    "quarkus.log.category.\"io.quarkus.rest.client\".level", "DEBUG",
                    "quarkus.log.category.\"org.jboss.resteasy.reactive.client\".level", "DEBUG");
        }
    }

    @ConfigProperty(name = "worker.provider.api-key")
    String configuredKey;

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

        List<String> secrets = List.of(PROVIDER_KEY, S3Server.SECRET_KEY);
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

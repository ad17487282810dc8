package dev.videoworker.health;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItems;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.provider.ProviderException;
import dev.videoworker.provider.ProviderHealth;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Readiness covers Kafka, the object store and the Videos API; liveness covers the worker's own loops. (The object
 * store going away is in {@code StorageOutageTest}.)
 */
@QuarkusTest
class HealthChecksTest extends WorkerTest {

    static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

    @Test
    void readinessNamesKafkaTheObjectStoreAndTheVideosApi() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItems("object-store", "videos-api"))
                .body("checks.find { it.name == 'object-store' }.status", org.hamcrest.Matchers.equalTo("UP"))
                .body("checks.find { it.name == 'videos-api' }.status", org.hamcrest.Matchers.equalTo("UP"));
        String ready = given().get("/q/health/ready").asString();
        assertThat(ready).containsIgnoringCase("kafka");
    }

    @Test
    void livenessWatchesThePoller() {
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'poller' }.status", org.hamcrest.Matchers.equalTo("UP"));
    }

    @Test
    void livenessWatchesTheReaderThreads() {
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'readers' }.status", org.hamcrest.Matchers.equalTo("UP"));
        assertThat(ReaderLiveness.problem(true, true)).isNull();
        assertThat(ReaderLiveness.problem(false, true))
                .isEqualTo("the fleet view's reader thread has died (see the log)");
        assertThat(ReaderLiveness.problem(true, false)).contains("cancel scanner's reader thread has died");
        assertThat(ReaderLiveness.problem(false, false)).contains("fleet view's and the cancel scanner's");
    }

    @Test
    void aPollerWithGeneratingJobsAndNoRecentPollIsNotLive() {
        Duration stuck = Duration.ofMinutes(5);
        assertThat(PollerLiveness.problem(NOW, NOW, NOW.minusSeconds(400), 3, stuck)).contains("3 jobs are generating");
        assertThat(PollerLiveness.problem(NOW, NOW, NOW.minusSeconds(400), 0, stuck)).as("idle is fine").isNull();
        assertThat(PollerLiveness.problem(NOW, NOW, NOW.minusSeconds(10), 3, stuck)).isNull();
        assertThat(PollerLiveness.problem(NOW, NOW.minusSeconds(60), NOW, 0, stuck)).contains("event loop");
    }

    @Test
    void theProviderIsNotReadyWhenItRefusesTheKeyOrDoesNotAnswer() {
        ProviderHealth health = new ProviderHealth();
        assertThat(health.state()).isEqualTo(ProviderHealth.State.UNKNOWN);
        health.called(new ProviderException(404, "not_found", "no such video", false, false, null, null));
        assertThat(health.state()).as("a 404 is an answer").isEqualTo(ProviderHealth.State.ANSWERING);
        health.called(new ProviderException(401, "invalid_api_key", "refused", false, false, null, null));
        assertThat(health.state()).isEqualTo(ProviderHealth.State.KEY_REFUSED);
        health.called(new ProviderException(0, "connection_error", "refused", true, false, null, null));
        assertThat(health.state()).isEqualTo(ProviderHealth.State.UNREACHABLE);
        health.called(null);
        assertThat(health.state()).isEqualTo(ProviderHealth.State.ANSWERING);
    }
}

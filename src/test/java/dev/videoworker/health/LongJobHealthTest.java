package dev.videoworker.health;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A job that generates for longer than the consumer's un-acknowledged-record limit keeps the worker healthy:
 * requests are acknowledged once their state is durable, not when their video is stored. The limit is 25 s here
 * (60 s in the other tests, 40 min in production) so that the test stays short.
 */
@QuarkusTest
@TestProfile(LongJobHealthTest.ShortUnackedLimit.class)
class LongJobHealthTest extends WorkerTest {

    /** The connector fails the channel when a record stays unacknowledged this long. */
    public static class ShortUnackedLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.messaging.incoming.video-requests.throttled.unprocessed-record-max-age.ms", "25000");
        }
    }

    @Test
    void staysHealthyWhileAJobGeneratesForLongerThanTheCommitLimit() throws Exception {
        String jobId = "long-" + UUID.randomUUID();
        jobs.send(jobId, "{\"prompt\":\"A slow sunrise [simulate:duration=PT32S] " + jobId + "\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> jobs.statuses(jobId).contains("in_progress"));

        await().during(Duration.ofSeconds(28)).atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    var health = given().get("/q/health");
                    assertThat(health.statusCode()).as(health.asString()).isEqualTo(200);
                });

        JsonNode completion = jobs.awaitCompletion(jobId, Duration.ofSeconds(60));
        assertThat(completion.path("outcome").asText()).isEqualTo("succeeded");
        given().get("/q/health/ready").then().statusCode(200);
    }
}

package dev.videoworker.health;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A job that generates for longer than the consumer's un-acknowledged-record limit (60 s) keeps the worker healthy:
 * requests are acknowledged once their state is durable, not when their video is stored.
 */
@QuarkusTest
class LongJobHealthTest extends WorkerTest {

    @Test
    void staysHealthyWhileAJobGeneratesForLongerThanTheCommitLimit() throws Exception {
        String jobId = "long-" + UUID.randomUUID();
        jobs.send(jobId, "{\"prompt\":\"A slow sunrise [simulate:duration=PT70S] " + jobId + "\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> jobs.statuses(jobId).contains("in_progress"));

        await().during(Duration.ofSeconds(65)).atMost(Duration.ofSeconds(75)).pollInterval(Duration.ofSeconds(1))
                .until(() -> given().get("/q/health").statusCode() == 200);

        JsonNode completion = jobs.awaitCompletion(jobId, Duration.ofSeconds(60));
        assertThat(completion.path("outcome").asText()).isEqualTo("succeeded");
        given().get("/q/health/ready").then().statusCode(200);
    }
}

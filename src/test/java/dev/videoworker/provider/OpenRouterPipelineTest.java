package dev.videoworker.provider;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.simulator.SimulatorRoutes;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * OpenRouter: JSON creates answered 202, no progress, the video behind the content endpoint with the key; and no
 * list, so a lost create answer ends the job {@code submission_unknown} instead of a second paid create.
 */
@QuarkusTest
@TestProfile(DialectProfile.OpenRouter.class)
class OpenRouterPipelineTest extends DialectPipelineTest {

    @Override
    String dialect() {
        return "openrouter";
    }

    @Override
    void afterStored(String videoId, String sha256) throws Exception {
        JsonNode described = describe("/api/v1/videos/" + videoId);
        String path = "/openrouter/api/v1/videos/" + videoId;
        assertThat(described.path("status").asText()).isEqualTo("completed");
        assertThat(described.has("progress")).isFalse();
        assertThat(described.path("usage").path("cost").decimalValue()).isEqualByComparingTo("0.40");
        given().get(path + "/content?index=0").then().statusCode(401);
        byte[] content = given().header("Authorization", "Bearer " + WorkerTestResources.PROVIDER_API_KEY)
                .get(path + "/content?index=0").then().statusCode(200).extract().asByteArray();
        assertThat(sha256(content)).isEqualTo(sha256);
    }

    @Test
    void endsSubmissionUnknownWithoutASecondCreateWhenTheCreateAnswerIsLost() throws Exception {
        String jobId = "openrouter-lost-" + UUID.randomUUID();
        String prompt = "A lighthouse keeper's cat " + SimulatorRoutes.CREATE_LOST_504_MARKER + " " + jobId;
        client.send(jobId, "{\"model\":\"sora-2\",\"prompt\":\"" + prompt + "\",\"seconds\":\"4\"}");

        JsonNode completion = client.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("failed");
        assertThat(completion.path("error").path("code").asText()).isEqualTo("submission_unknown");
        assertThat(completion.path("error").path("message").asText()).contains("no list")
                .doesNotContain(WorkerTestResources.PROVIDER_API_KEY);
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        // never "submitted": no video id was ever learnt
        assertThat(client.statuses(jobId)).containsExactly("accepted", "failed");
    }
}

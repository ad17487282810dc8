package dev.videoworker.provider;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A new-api style relay: OpenAI's multipart create, progress as {@code "NN%"}, {@code succeeded}, and the video from
 * {@code video_url} on the relay's own origin, without the key.
 */
@QuarkusTest
@TestProfile(DialectProfile.UrlResult.class)
class UrlResultPipelineTest extends DialectPipelineTest {

    @Override
    String dialect() {
        return "url-result";
    }

    @Override
    void afterStored(String videoId, String sha256) throws Exception {
        JsonNode described = describe("/v1/videos/" + videoId);
        assertThat(described.path("status").asText()).isEqualTo("succeeded");
        assertThat(described.path("progress").asText()).isEqualTo("100%");
        assertThat(described.path("metadata").path("url").asText()).isEqualTo(described.path("video_url").asText());
        URI result = URI.create(described.path("video_url").asText());
        assertThat(sha256(given().get(result).then().statusCode(200).extract().asByteArray())).isEqualTo(sha256);
    }
}

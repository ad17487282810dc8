package dev.videoworker.provider;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Together: JSON creates with width, height and string seconds, no progress, and the video from
 * {@code outputs.video_url}, a URL on the provider's own origin that needs no key.
 */
@QuarkusTest
@TestProfile(DialectProfile.Together.class)
class TogetherPipelineTest extends DialectPipelineTest {

    @Override
    String dialect() {
        return "together";
    }

    @Override
    void afterStored(String videoId, String sha256) throws Exception {
        JsonNode described = describe("/v2/videos/" + videoId);
        assertThat(described.path("status").asText()).isEqualTo("completed");
        assertThat(described.path("outputs").path("cost").decimalValue()).isEqualByComparingTo("0.40");
        assertThat(described.has("progress")).isFalse();
        URI result = URI.create(described.path("outputs").path("video_url").asText());
        assertThat(VideosClient.sameOrigin(result, URI.create(providers.defaultClient().settings().baseUrl())))
                .isTrue();
        assertThat(sha256(given().get(result).then().statusCode(200).extract().asByteArray())).isEqualTo(sha256);
        given().get(result.toString().replaceAll("token=.*", "token=0000")).then().statusCode(404);
    }
}

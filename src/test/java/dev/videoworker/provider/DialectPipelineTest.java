package dev.videoworker.provider;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.simulator.MediaFile;
import dev.videoworker.simulator.TestImages;
import dev.videoworker.simulator.VideoVariant;
import dev.videoworker.testing.WorkerTestResources;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;

/**
 * A whole job through one dialect (Kafka request → the simulator's API of that dialect → S3): the create body the
 * dialect writes is read by the simulator as that provider would (the image too), its answers are mapped back, and
 * the stored object is the simulator's video. Subclasses pick the dialect with a {@link DialectProfile}.
 */
abstract class DialectPipelineTest extends WorkerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MinioClient minio;

    @Inject
    Providers providers;

    protected JobsClient client;

    /** The dialect the subclass's profile configures. */
    abstract String dialect();

    @BeforeEach
    void connect() {
        client = DialectProfile.topics(dialect()).client();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    @Test
    void storesAnImageToVideoJobMadeThroughTheDialect() throws Exception {
        VideosClient provider = providers.defaultClient();
        assertThat(provider.settings().dialect().name()).isEqualTo(dialect());
        assertThat(provider.settings().baseUrl()).endsWith("/" + dialect());

        String jobId = dialect() + "-i2v-" + UUID.randomUUID();
        String prompt = "A kite over the dunes " + jobId;
        String image = "data:image/png;base64," + Base64.getEncoder().encodeToString(TestImages.png(1280, 720));
        client.send(jobId, """
                {"model":"sora-2","prompt":"%s","size":"1280x720","seconds":"4",
                 "inputReference":{"uri":"%s","fit":"exact"}}""".formatted(prompt, image));

        JsonNode completion = client.awaitCompletion(jobId);
        assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
        String videoId = completion.path("videoId").asText();
        assertThat(simulator().createCount(prompt)).isEqualTo(1);
        assertThat(simulator().videos()).filteredOn(v -> v.id().equals(videoId)).singleElement()
                .satisfies(v -> {
                    assertThat(v.prompt()).isEqualTo(prompt);
                    assertThat(v.size()).isEqualTo("1280x720");
                    assertThat(v.seconds()).isEqualTo("4");
                });
        assertThat(client.statuses(jobId)).containsSubsequence("accepted", "submitted", "generated", "storing",
                "stored").endsWith("stored");

        JsonNode video = completion.path("video");
        MediaFile made = simulator().content(videoId, VideoVariant.VIDEO).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        String madeSha = sha256(Files.readAllBytes(made.path()));
        assertThat(video.path("sha256").asText()).isEqualTo(madeSha);
        assertThat(video.path("bytes").asLong()).isEqualTo(Files.size(made.path()));
        try (InputStream stored = minio.getObject(GetObjectArgs.builder().bucket(video.path("bucket").asText())
                .object(video.path("key").asText()).build())) {
            assertThat(sha256(stored.readAllBytes())).isEqualTo(madeSha);
        }
        afterStored(videoId, madeSha);
    }

    /** What the subclass checks of its dialect once a video is stored. */
    void afterStored(String videoId, String sha256) throws Exception {
    }

    @Test
    void servesOnlyTheSelectedDialect() {
        // OpenAI's list answers 200 where it is served (simulator.dialects names only this dialect here)
        given().header("Authorization", "Bearer " + WorkerTestResources.PROVIDER_API_KEY)
                .get("/v1/videos").then().statusCode(404);
        given().header("Authorization", "Bearer " + WorkerTestResources.PROVIDER_API_KEY)
                .get("/" + dialect() + "/v1/videos?limit=1").then().statusCode(404);
    }

    /** The video as this dialect's API describes it to the worker: at the base URL, with the key. */
    JsonNode describe(String pathAfterBase) throws Exception {
        String body = given().header("Authorization", "Bearer " + WorkerTestResources.PROVIDER_API_KEY)
                .get(providers.defaultClient().settings().baseUrl() + pathAfterBase).then().statusCode(200)
                .extract().asString();
        return JSON.readTree(body);
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}

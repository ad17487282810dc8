package dev.videoworker.store;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.IsolatedTopics;
import dev.videoworker.testing.WorkerTestResources;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Storage going away: a 30-second outage in the middle of a run delays storing but loses no video; an outage that
 * outlasts the provider's copy ends the job {@code failed/expired}, with no object left behind.
 */
@QuarkusTest
@TestProfile(StorageOutageTest.CuttableStorage.class)
class StorageOutageTest extends WorkerTest {

    static final IsolatedTopics TOPICS = new IsolatedTopics("storage-outage");
    static final Duration OUTAGE = Duration.ofSeconds(30);

    /** The worker reaches S3 through a proxy the test can cut; store retries wait at most 2 s. */
    public static class CuttableStorage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return TOPICS.config(Map.of(
                    "worker.storage.endpoint", WorkerTestResources.cuttableStorageEndpoint(),
                    "worker.storage.retry-max-backoff", "2s",
                    "worker.storage.expiry-margin", "1s"));
        }
    }

    static JobsClient client;
    static MinioClient s3;

    @BeforeAll
    static void connect() {
        client = TOPICS.client();
        s3 = MinioClient.builder().endpoint(WorkerTestResources.s3().endpoint())
                .credentials(WorkerTestResources.s3().accessKey(), WorkerTestResources.s3().secretKey()).build();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        client.close();
    }

    @AfterEach
    void restoreStorage() {
        WorkerTestResources.cutStorage(false);
    }

    @Test
    void storesEveryVideoAfterAThirtySecondOutage() throws Exception {
        String run = UUID.randomUUID().toString();
        WorkerTestResources.cutStorage(true);
        Instant cutAt = Instant.now();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String id = "outage-" + i + "-" + run;
            ids.add(id);
            client.send(id, "{\"prompt\":\"A windmill in the rain " + id + "\"}");
        }
        // Every video is generated and being stored while the store is away...
        await().atMost(Duration.ofSeconds(25)).until(() -> ids.stream().allMatch(this::storing));
        // The replica says it is not ready while the store is away (and is still live: nothing is stuck).
        await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/q/health/ready").statusCode() == 503);
        assertThat(given().get("/q/health/ready").asString()).contains("object-store");
        given().get("/q/health/live").then().statusCode(200);
        // ...and the store stays away for the whole outage; no job ends meanwhile.
        await().atMost(OUTAGE.plusSeconds(5)).pollInterval(Duration.ofMillis(500))
                .until(() -> Duration.between(cutAt, Instant.now()).compareTo(OUTAGE) >= 0);
        for (String id : ids) {
            assertThat(client.records(TOPICS.prefix() + ".completed", id)).as(id + " ended during the outage")
                    .isEmpty();
        }

        WorkerTestResources.cutStorage(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/q/health/ready").statusCode() == 200);

        for (String id : ids) {
            JsonNode done = client.awaitCompletion(id, Duration.ofSeconds(30));
            assertThat(done.path("outcome").asText()).as(id).isEqualTo("succeeded");
            JsonNode video = done.path("video");
            assertThat(sha256(video.path("bucket").asText(), video.path("key").asText()))
                    .isEqualTo(video.path("sha256").asText());
        }
    }

    @Test
    void failsExpiredWhenTheStoreIsAwayUntilTheProvidersCopyExpires() throws Exception {
        String id = "outage-expired-" + UUID.randomUUID();
        WorkerTestResources.cutStorage(true);
        client.send(id, "{\"prompt\":\"A sandcastle at high tide [simulate:expires-after=PT5S] " + id + "\"}");

        JsonNode done = client.awaitCompletion(id, Duration.ofSeconds(30));

        assertThat(done.path("outcome").asText()).isEqualTo("failed");
        assertThat(done.path("error").path("code").asText()).isEqualTo("expired");
        assertThat(done.path("error").path("message").asText()).contains("could not be stored before the provider's "
                + "copy expired");
        WorkerTestResources.cutStorage(false);
        assertThatThrownBy(() -> s3.statObject(StatObjectArgs.builder().bucket("videos").object(id + ".mp4").build()))
                .as("no partial object").isInstanceOf(ErrorResponseException.class);
    }

    private boolean storing(String jobId) {
        try {
            return client.statuses(jobId).contains("storing");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String sha256(String bucket, String key) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}

package dev.videoworker.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import io.minio.BucketExistsArgs;
import io.minio.MinioClient;

/** Checks the configuration a {@code @QuarkusTest} receives and that the servers behind it are shared and alive. */
class WorkerTestResourcesTest {

    @Test
    void startReturnsWorkerConfigurationForSharedServers() throws Exception {
        WorkerTestResources resources = new WorkerTestResources();
        Map<String, String> first = resources.start();
        resources.stop();
        Map<String, String> second = resources.start();

        assertEquals(WorkerTestResources.broker().bootstrapServers(), first.get("kafka.bootstrap.servers"));
        assertEquals(first.get("kafka.bootstrap.servers"), second.get("kafka.bootstrap.servers"));
        assertEquals(WorkerTestResources.s3().endpoint(), first.get("worker.storage.endpoint"));
        assertEquals("test-access-FAKE", first.get("worker.storage.access-key"));
        assertEquals("test-secret-FAKE-do-not-use", first.get("worker.storage.secret-key"));
        // the provider's path is an expression a dialect's test profile may fill (test.provider-path)
        assertEquals("http://127.0.0.1:" + first.get("quarkus.http.test-port") + "${" + WorkerTestResources.PROVIDER_PATH
                + ":}", first.get("worker.provider.base-url"));
        assertEquals("sk-FAKE-test-0000", first.get("worker.provider.api-key"));
        assertEquals(first.get("worker.provider.api-key"), first.get("simulator.api-key"));
        assertEquals("true", first.get("simulator.enabled"));
        assertEquals("PT3S", first.get("simulator.duration"));
        assertEquals("2", first.get("simulator.fps"));
        assertSame(WorkerTestResources.broker(), WorkerTestResources.broker());

        // stop() must not take the broker away from applications that may still use it.
        try (Admin admin = WorkerTestResources.broker().admin()) {
            Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertTrue(topics.containsAll(List.of(WorkerTopics.REQUESTS, WorkerTopics.JOBS, WorkerTopics.STATUS,
                    WorkerTopics.COMPLETED, WorkerTopics.DLQ)), topics::toString);
            assertEquals(WorkerTopics.PARTITIONS, admin.describeTopics(List.of(WorkerTopics.JOBS)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(WorkerTopics.JOBS).partitions().size());
            ConfigResource jobs = new ConfigResource(ConfigResource.Type.TOPIC, WorkerTopics.JOBS);
            assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, admin.describeConfigs(List.of(jobs)).all()
                    .get(10, TimeUnit.SECONDS).get(jobs).get(TopicConfig.CLEANUP_POLICY_CONFIG).value());
        }
        S3Server s3 = WorkerTestResources.s3();
        try (MinioClient minio = MinioClient.builder().endpoint(s3.endpoint()).region("us-east-1")
                .credentials(s3.accessKey(), s3.secretKey()).build()) {
            assertFalse(minio.bucketExists(BucketExistsArgs.builder().bucket("no-such-bucket").build()));
        }
    }
}

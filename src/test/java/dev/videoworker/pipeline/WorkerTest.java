package dev.videoworker.pipeline;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.videoworker.simulator.EmbeddedSimulator;
import dev.videoworker.simulator.VideoSimulator;
import dev.videoworker.testing.WorkerTestResources;
import io.quarkus.test.common.QuarkusTestResource;

/**
 * Base of {@code @QuarkusTest}s of the running worker: the shared broker and S3 server, the embedded simulator, and a
 * {@link JobsClient} that produces requests and reads events as users of the topics do.
 */
@QuarkusTestResource(WorkerTestResources.class)
public abstract class WorkerTest {

    protected static JobsClient jobs;

    @Inject
    protected EmbeddedSimulator embedded;

    @BeforeAll
    static void connectJobsClient() {
        jobs = new JobsClient(WorkerTestResources.broker().bootstrapServers());
    }

    @AfterAll
    static void closeJobsClient() throws InterruptedException {
        jobs.close();
    }

    protected VideoSimulator simulator() {
        return embedded.simulator();
    }
}

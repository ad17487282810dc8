package dev.videoworker.submit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.simulator.CreateVideoRequest;
import dev.videoworker.simulator.Fault;
import dev.videoworker.simulator.FaultSettings;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A reconciliation reads the provider's list page by page, each after the last video of the page before. Where other
 * jobs' videos are deleted once stored, that video can be gone when the next page is asked for, and the provider
 * answers 404 for the cursor: the list is then read again from the top instead of being taken as unreadable (which
 * ended the job {@code submission_unknown} when it happened in the window's last round).
 */
@QuarkusTest
class ListCursorGoneTest extends WorkerTest {

    private static final int JOBS = 8;
    /** More than a page of newer videos, so that every job's own video is on the second page. */
    private static final int NEWER_VIDEOS = 110;

    @AfterEach
    void honestProviderAgain() {
        simulator().faults(FaultSettings.none());
    }

    @Test
    void aListWhoseCursorVanishesIsReadAgainFromTheTopAndEveryLostCreateIsAdoptedOnce() throws Exception {
        simulator().faults(FaultSettings.none().withRate(Fault.LIST_CURSOR_GONE, 0.3));
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            String id = "cursor-" + run + "-" + i;
            ids.add(id);
            // the create's answer is lost; its video shows in the list only after 2 s of the 3 s window
            jobs.send(id, "{\"prompt\":\"" + prompt(id) + " [simulate:create-lost-504][simulate:list-lag=PT2S]\"}");
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> ids.stream()
                .allMatch(id -> simulator().videosMade().stream().anyMatch(v -> v.prompt().startsWith(prompt(id)))));
        for (int i = 0; i < NEWER_VIDEOS; i++) {
            simulator().create(new CreateVideoRequest(null, "Someone else's video " + i + " " + run, null, null,
                    null));
        }

        for (String id : ids) {
            JsonNode completion = jobs.awaitCompletion(id);
            assertThat(completion.path("outcome").asText()).as(completion.toString()).isEqualTo("succeeded");
            assertThat(simulator().videosMade().stream().filter(v -> v.prompt().startsWith(prompt(id))).count())
                    .as("videos made for %s", id).isEqualTo(1);
        }
        assertThat(simulator().faultCount(Fault.LIST_CURSOR_GONE)).as("cursors answered 404").isPositive();
    }

    private static String prompt(String jobId) {
        return "A paper boat on a rain-filled gutter, " + jobId;
    }
}

package dev.videoworker.budget;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.videoworker.pipeline.JobsClient;
import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.IsolatedTopics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The spend budget through the running worker: jobs past the budget are rejected before any create call, with an
 * event that says why and when to try again, and the spend shows in the metrics.
 */
@QuarkusTest
@TestProfile(BudgetTest.OneDollarPerHour.class)
class BudgetTest extends WorkerTest {

    static final IsolatedTopics TOPICS = new IsolatedTopics("budget-test");

    /** $1.00 per hour, on topics of its own so that other tests' jobs do not count against it. */
    public static class OneDollarPerHour implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return TOPICS.config(Map.of("worker.budget.limit-usd", "1.00", "worker.budget.window", "1h"));
        }
    }

    static JobsClient budgetJobs;

    @BeforeAll
    static void connect() {
        budgetJobs = TOPICS.client();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        budgetJobs.close();
    }

    @Test
    void rejectsJobsPastTheBudgetBeforeTheyCostMoney() throws Exception {
        String run = UUID.randomUUID().toString();
        int createsBefore = simulator().createCount();
        // Three 4-second sora-2 jobs at $0.40 each: two fit into $1.00, the third does not.
        List<String> ids = List.of("budget-1-" + run, "budget-2-" + run, "budget-3-" + run);
        for (String id : ids) {
            budgetJobs.send(id, "{\"prompt\":\"A lighthouse at dusk " + id + "\",\"seconds\":4}");
        }
        List<JsonNode> completions = new ArrayList<>();
        for (String id : ids) {
            completions.add(budgetJobs.awaitCompletion(id));
        }

        List<JsonNode> succeeded = completions.stream().filter(c -> "succeeded".equals(c.path("outcome").asText()))
                .toList();
        List<JsonNode> rejected = completions.stream().filter(c -> "rejected".equals(c.path("outcome").asText()))
                .toList();
        assertThat(succeeded).hasSize(2);
        assertThat(rejected).hasSize(1);
        JsonNode error = rejected.get(0).path("error");
        assertThat(error.path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(error.path("retryable").asBoolean()).isTrue();
        assertThat(error.path("message").asText()).contains("$1.20", "$1.00", "worker.budget.limit-usd");
        assertThat(simulator().createCount() - createsBefore).as("no create call for the rejected job").isEqualTo(2);
        for (JsonNode ok : succeeded) {
            assertThat(ok.path("costUsd").decimalValue()).isEqualByComparingTo("0.40");
        }

        String metrics = given().get("/q/metrics").asString();
        assertThat(metrics).contains("worker_spend_usd_total{model=\"sora-2\"} 0.8");
        assertThat(metrics).contains("worker_budget_window_spend_usd 0.8");
        assertThat(metrics).contains("worker_budget_limit_usd 1.0");
    }
}

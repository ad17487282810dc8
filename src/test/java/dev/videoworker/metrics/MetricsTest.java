package dev.videoworker.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The metrics an operator needs, in Prometheus format at {@code /q/metrics}: jobs by outcome and error code, jobs in
 * flight by state, consumer lag, provider calls by status with latency, polls, bytes stored and spend.
 */
@QuarkusTest
class MetricsTest extends WorkerTest {

    @Test
    void aStoredJobAndARejectionShowInTheMetrics() throws Exception {
        double succeededBefore = value("worker_jobs_completed_total", "code=\"none\",outcome=\"succeeded\"");
        double rejectedBefore = value("worker_jobs_completed_total", "code=\"unknown_model\",outcome=\"rejected\"");
        double bytesBefore = value("worker_storage_bytes_total", "");
        String run = UUID.randomUUID().toString();
        jobs.send("metrics-ok-" + run, "{\"prompt\":\"A heron taking off " + run + "\"}");
        jobs.send("metrics-bad-" + run, "{\"prompt\":\"x\",\"model\":\"sora-9\"}");
        jobs.awaitCompletion("metrics-ok-" + run);
        jobs.awaitCompletion("metrics-bad-" + run);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(value("worker_jobs_completed_total", "code=\"none\",outcome=\"succeeded\""))
                    .isGreaterThanOrEqualTo(succeededBefore + 1);
            assertThat(value("worker_jobs_completed_total", "code=\"unknown_model\",outcome=\"rejected\""))
                    .isGreaterThanOrEqualTo(rejectedBefore + 1);
        });
        String metrics = given().get("/q/metrics").asString();
        assertThat(value("worker_storage_bytes_total", "")).isGreaterThan(bytesBefore);
        assertThat(metrics).contains("worker_jobs_in_flight{state=\"in_progress\"}",
                "worker_jobs_in_flight{state=\"submitting\"}");
        assertThat(value("worker_jobs_index_held", "")).as("jobs in the index").isGreaterThanOrEqualTo(2);
        assertThat(value("worker_jobs_index_bytes", "")).as("the index's estimated bytes").isGreaterThan(800);
        assertThat(metrics).contains("worker_jobs_index_evicted ");
        String openai = "provider=\"openai\",";
        assertThat(metrics).containsPattern("worker_provider_calls_seconds_count\\{call=\"create\"," + openai
                + "status=\"ok\"\\} [1-9]");
        assertThat(metrics).containsPattern("worker_provider_calls_seconds_count\\{call=\"retrieve\"," + openai
                + "status=\"ok\"\\} [1-9]");
        assertThat(metrics).containsPattern("worker_provider_calls_seconds\\{call=\"create\"," + openai
                + "status=\"ok\",quantile=\"0.99\"\\}");
        assertThat(metrics).containsPattern("worker_polls_total\\{state=\"[a-z_]+\"\\} [1-9]");
        assertThat(metrics).contains("worker_spend_usd_total{model=\"sora-2\"}");
        assertThat(metrics).as("consumer lag").containsPattern("kafka_consumer_fetch_manager_records_lag[a-z_]*\\{");
    }

    @Test
    void theWorkersKafkaClientsKeepTheirMetricsOutOfJmx() throws Exception {
        // kafka.metric.reporters=NoJmxReporter: the clients' metrics reach /q/metrics (the test above) without an
        // MBean each; the journal's producers exist once the worker owns its partitions (their app-info MBean)
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        await().atMost(Duration.ofSeconds(30)).until(() -> !jmx.queryNames(
                new ObjectName("kafka.producer:type=app-info,id=job-journal-*"), null).isEmpty()
                && !jmx.queryNames(new ObjectName("kafka.consumer:type=app-info,id=fleet-view"), null).isEmpty());
        assertThat(jmx.queryNames(new ObjectName("kafka.producer:client-id=job-journal-*,*"), null)).isEmpty();
        assertThat(jmx.queryNames(new ObjectName("kafka.consumer:client-id=fleet-view,*"), null)).isEmpty();
        // the request consumer (SmallRye's channel) too: its client id starts with the replica's name
        String requests = ConfigProvider.getConfig().getValue("mp.messaging.incoming.video-requests.client.id",
                String.class);
        Set<ObjectName> consumers = jmx.queryNames(new ObjectName("kafka.consumer:*"), null);
        assertThat(consumers).as("the request consumer's app-info")
                .anyMatch(n -> String.valueOf(n.getKeyProperty("id")).startsWith(requests));
        assertThat(consumers).as("its metrics")
                .noneMatch(n -> String.valueOf(n.getKeyProperty("client-id")).startsWith(requests));
    }

    /** The value of one series (an exemplar may follow it), 0 when it is not there yet. */
    private static double value(String name, String labels) {
        String metrics = given().get("/q/metrics").asString();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + (labels.isEmpty() ? "" : "\\{" + Pattern.quote(labels)
                + "\\}") + " ([0-9.eE+-]+)(?: #.*)?$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}

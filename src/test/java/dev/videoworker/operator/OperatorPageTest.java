package dev.videoworker.operator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.DebianTools;
import dev.videoworker.testing.HeadlessChromium;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The operator page in headless Chromium while jobs run: a generating job shows with its progress, a stored one with
 * a player whose source is the stored video; the text filter narrows the table. Saves {@code target/operator-page.png}.
 * (The fleet-wide page, three replicas, keyboard cancel and the accessibility audit: FleetViewIT.)
 */
@QuarkusTest
class OperatorPageTest extends WorkerTest {

    static final Path SCREENSHOT = Path.of("target", "operator-page.png");

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void showsProgressOfRunningJobsAndPlaysStoredVideos() throws Exception {
        Optional<String> chromium = HeadlessChromium.executable();
        assumeTrue(chromium.isPresent(), DebianTools.skipMessage("chromium", "chromium"));
        String run = UUID.randomUUID().toString();
        String done = "page-done-" + run;
        String running = "page-running-" + run;
        jobs.send(done, "{\"prompt\":\"A red kite over a field " + run + "\"}");
        jobs.send(running, "{\"prompt\":\"A slow tide [simulate:duration=PT300S] " + run + "\"}");
        assertThat(jobs.awaitCompletion(done).path("outcome").asText()).isEqualTo("succeeded");
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/jobs/" + running).path("progress") != null
                && given().get("/jobs/" + running).<Integer>path("progress") > 0);

        try (HeadlessChromium browser = HeadlessChromium.start(chromium.get(), 1400, 900)) {
            browser.open("http://127.0.0.1:" + port + "/operator/");
            // Only this test's jobs: the text filter, as an operator would type it.
            browser.evaluate("(() => { const q = document.getElementById('filter-q'); q.value = '" + run + "'; "
                    + "q.dispatchEvent(new Event('input', {bubbles: true})); "
                    + "document.getElementById('filter-apply').click(); })()");
            String rows = "[...document.querySelectorAll('#jobs tr[data-job-id]')]";
            await("both jobs, and only them, in the table").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> browser.evaluate(rows + ".map(r => r.dataset.jobId).sort().join(' ')").asText()
                            .equals(done + " " + running));
            String runningRow = "document.querySelector('tr[data-job-id=\"" + running + "\"]')";
            assertThat(browser.evaluate(runningRow + ".dataset.status").asText()).isEqualTo("in_progress");
            assertThat(browser.evaluate(runningRow + ".querySelector('progress').value").asInt()).isPositive();
            assertThat(browser.evaluate(runningRow + ".querySelector('button[data-cancel]') !== null").asBoolean())
                    .as("a cancel button for a generating job").isTrue();
            String doneRow = "document.querySelector('tr[data-job-id=\"" + done + "\"]')";
            assertThat(browser.evaluate(doneRow + ".dataset.status").asText()).isEqualTo("stored");
            assertThat(browser.evaluate(doneRow + ".querySelector('video').getAttribute('src')").asText())
                    .isEqualTo("/jobs/" + done + "/video");
            assertThat(browser.evaluate(doneRow + ".querySelector('button[data-cancel]') === null").asBoolean())
                    .as("no cancel button for a stored job").isTrue();
            assertThat(browser.evaluate("document.getElementById('jobs-range').textContent").asText())
                    .contains("of 2");
            Files.deleteIfExists(SCREENSHOT);
            browser.screenshot(SCREENSHOT);
        }
        assertThat(Files.size(SCREENSHOT)).isGreaterThan(10_000);

        given().delete("/jobs/" + running).then().statusCode(200);
        assertThat(jobs.awaitCompletion(running).path("outcome").asText()).isEqualTo("cancelled");

        // The player's source leads to the stored MP4 through a presigned URL.
        String location = given().redirects().follow(false).get("/jobs/" + done + "/video").then().statusCode(302)
                .extract().header("Location");
        assertThat(location).contains("X-Amz-Signature");
        HttpResponse<byte[]> video = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(location))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(video.statusCode()).isEqualTo(200);
        assertThat(new String(video.body(), 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");
    }
}

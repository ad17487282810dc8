package dev.videoworker.operator;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.videoworker.pipeline.WorkerTest;
import dev.videoworker.testing.DebianTools;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The operator page in headless Chromium while jobs run: a generating job shows with its progress, a stored one with
 * a player whose source is the stored video. Saves {@code target/operator-page.png}.
 */
@QuarkusTest
class OperatorPageTest extends WorkerTest {

    static final Path SCREENSHOT = Path.of("target", "operator-page.png");

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @Test
    void showsProgressOfRunningJobsAndPlaysStoredVideos() throws Exception {
        String chromium = chromium();
        assumeTrue(chromium != null, DebianTools.skipMessage("chromium", "chromium"));
        String run = UUID.randomUUID().toString();
        String done = "page-done-" + run;
        String running = "page-running-" + run;
        jobs.send(done, "{\"prompt\":\"A red kite over a field " + run + "\"}");
        jobs.send(running, "{\"prompt\":\"A slow tide [simulate:duration=PT40S] " + run + "\"}");
        assertThat(jobs.awaitCompletion(done).path("outcome").asText()).isEqualTo("succeeded");
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/jobs/" + running).path("progress") != null
                && given().get("/jobs/" + running).<Integer>path("progress") > 0);

        String url = "http://127.0.0.1:" + port + "/operator/";
        String dom = browse(chromium, url, "--virtual-time-budget=4000", "--dump-dom");

        Matcher runningRow = row(dom, running);
        assertThat(runningRow.find()).as("a row for the running job in:\n" + dom).isTrue();
        assertThat(runningRow.group()).contains("in_progress");
        Matcher value = Pattern.compile("<progress[^>]*value=\"(\\d+)\"").matcher(runningRow.group());
        assertThat(value.find()).as("a progress bar with a value").isTrue();
        assertThat(Integer.parseInt(value.group(1))).isPositive();

        Matcher doneRow = row(dom, done);
        assertThat(doneRow.find()).as("a row for the stored job").isTrue();
        assertThat(doneRow.group()).contains("stored").contains("<video").contains("/jobs/" + done + "/video");

        // The player's source leads to the stored MP4 through a presigned URL.
        String location = given().redirects().follow(false).get("/jobs/" + done + "/video").then().statusCode(302)
                .extract().header("Location");
        assertThat(location).contains("X-Amz-Signature");
        HttpResponse<byte[]> video = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(location))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(video.statusCode()).isEqualTo(200);
        assertThat(new String(video.body(), 4, 4, StandardCharsets.US_ASCII)).isEqualTo("ftyp");

        Files.deleteIfExists(SCREENSHOT);
        // Real time, not virtual time, for the picture: Chromium's virtual time stands still while a media request is
        // pending (the player's), and it then never takes the screenshot (seen with Chromium 156.0.8078.114).
        browse(chromium, url, "--timeout=6000", "--screenshot=" + SCREENSHOT.toAbsolutePath(),
                "--window-size=1400,700");
        assertThat(SCREENSHOT).exists();
        assertThat(Files.size(SCREENSHOT)).isGreaterThan(1_000);
    }

    /** The table row (tr) of one job in the dumped DOM. */
    private static Matcher row(String dom, String jobId) {
        return Pattern.compile("<tr data-job-id=\"" + Pattern.quote(jobId) + "\".*?</tr>", Pattern.DOTALL)
                .matcher(dom);
    }

    /** Runs headless Chromium on the page with {@code action} (and how long it may take); returns its stdout. */
    private static String browse(String chromium, String url, String... action) throws IOException,
            InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile");
        // Without the background-networking flags Chromium keeps trying to reach Google's hosts, which a closed
        // network refuses; it has been seen to hang there.
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(List.of(action));
        command.add(url);
        // Its output goes to a file, so a Chromium that hangs is stopped at the timeout instead of blocking a read.
        Path out = Files.createTempFile("chromium-out", ".txt");
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish within 60 s");
        }
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static String chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                if (Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }
}

package dev.videoworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.videoworker.testing.DebianTools;

/**
 * Runs the provider document's own curl and Python examples against the standalone simulator. The examples are read
 * from the seed document in {@code ../shared/seeds/} at test time and changed only in base URL, key and the example
 * video id of the polling step; nothing of them is copied into this repository.
 */
class SeedExamplesTest {

    static final Path SEED = Path.of("..", "shared", "seeds", "000_5202162aacf76190.txt");
    static final String SEED_BASE_URL = "https://api.laozhang.ai";
    static final String KEY = "sk-FAKE-seed-0000";
    static final ObjectMapper JSON = new ObjectMapper();

    static SimulatorServer server;
    static String seed;

    @TempDir
    Path work;

    @BeforeAll
    static void start() throws Exception {
        assertThat(SEED).as("the seed document beside the project (../shared/seeds)").exists();
        seed = Files.readString(SEED, StandardCharsets.UTF_8);
        server = SimulatorServer.start(SimulatorSettings.defaults().withApiKey(KEY)
                .withDuration(Duration.ofSeconds(2)).withFps(2), "127.0.0.1", 0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void runsTheTextToVideoCurlExampleThenPollsAndDownloads() throws Exception {
        String create = section("Step 1: Create Video Generation Task", "Response Example:");
        JsonNode created = JSON.readTree(run(curl(create)));
        assertThat(created.path("status").asText()).isEqualTo("queued");
        assertThat(created.path("size").asText()).isEqualTo("1280x720");
        assertThat(created.path("seconds").asText()).isEqualTo("8");
        String id = created.path("id").asText();

        String poll = section("Step 2: Poll Task Status", "Response Example (In Progress):");
        String pollCommand = curl(poll).replaceAll("video_[0-9a-f]{32}", id);
        org.awaitility.Awaitility.await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                .until(() -> JSON.readTree(run(pollCommand)).path("status").asText().equals("completed"));

        String download = section("Step 3: Download Video", "Python Example");
        run(curl(download).replaceAll("video_[0-9a-f]{32}", id));
        assertMp4(work.resolve("output.mp4"), 1280, 720, 8);
    }

    @Test
    void runsTheImageToVideoCurlExample() throws Exception {
        BufferedImage image = new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB);
        image.createGraphics().setColor(Color.ORANGE);
        ImageIO.write(image, "jpeg", work.resolve("your_image.jpeg").toFile());
        String create = section("Image-to-Video (cURL)", "Image Requirements");
        JsonNode created = JSON.readTree(run(curl(create)));
        assertThat(created.path("status").asText()).isEqualTo("queued");
        assertThat(created.path("seconds").asText()).isEqualTo("4");
    }

    @Test
    void runsThePythonExampleUnchanged() throws Exception {
        String python = section("Python Example", "Task Status Reference")
                .replace(SEED_BASE_URL, server.baseUrl())
                .replace("YOUR_API_KEY", KEY);
        Path script = work.resolve("example.py");
        Files.writeString(script, python);
        String out = run(pythonWithRequests() + " example.py");
        assertThat(out).contains("Task created: video_").contains("Video generation completed!");
        assertMp4(work.resolve("my_video.mp4"), 1280, 720, 8);
    }

    /** The first interpreter that has {@code requests} (.ci/run installs Debian's python3-requests if none has). */
    private String pythonWithRequests() throws IOException, InterruptedException {
        for (String candidate : new String[] {"python3", "/usr/bin/python3"}) {
            if (!candidate.startsWith("/") && !DebianTools.onPath(candidate)
                    || candidate.startsWith("/") && !Files.isExecutable(Path.of(candidate))) {
                continue;
            }
            Process p = new ProcessBuilder(candidate, "-c", "import requests").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return candidate;
            }
        }
        return Assumptions.abort(DebianTools.skipMessage("python3 with the requests module", "python3-requests"));
    }

    /** The text between two headings of the seed, trimmed. */
    private static String section(String from, String to) {
        int start = seed.indexOf(from);
        assertThat(start).as("seed has '%s'", from).isGreaterThanOrEqualTo(0);
        start += from.length();
        int end = seed.indexOf(to, start);
        assertThat(end).as("seed has '%s' after '%s'", to, from).isGreaterThan(start);
        return seed.substring(start, end).trim();
    }

    private String curl(String command) {
        DebianTools.assumeOnPath("curl", "curl");
        Matcher m = Pattern.compile("curl .*", Pattern.DOTALL).matcher(command);
        assertThat(m.find()).isTrue();
        return m.group().replace(SEED_BASE_URL, server.baseUrl()).replace("YOUR_API_KEY", KEY)
                .replace("curl ", "curl -sS --fail-with-body ");
    }

    private String run(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", command).directory(work.toFile()).redirectErrorStream(true)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(command + "\n" + text).isZero();
        return text;
    }

    private void assertMp4(Path file, int width, int height, int seconds) throws Exception {
        assertThat(file).exists();
        DebianTools.assumeOnPath("ffprobe", "ffmpeg");
        String probe = run("ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height"
                + ":format=duration -of json " + file);
        JsonNode json = JSON.readTree(probe);
        assertThat(json.path("streams").get(0).path("codec_name").asText()).isEqualTo("h264");
        assertThat(json.path("streams").get(0).path("width").asInt()).isEqualTo(width);
        assertThat(json.path("streams").get(0).path("height").asInt()).isEqualTo(height);
        assertThat(json.path("format").path("duration").asDouble()).isBetween(seconds - 0.5, seconds + 0.5);
    }
}

package dev.videoworker.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.videoworker.testing.DebianTools;

/**
 * Runs ffprobe/ffmpeg for media assertions. A missing tool skips the test with a message naming Debian's ffmpeg
 * package; CI ({@code .ci/run}) installs it, so there the media tests always run.
 */
final class Ffmpeg {

    private static final long TIMEOUT_SECONDS = 60;

    private Ffmpeg() {
    }

    /** {@code key=value} entries of the first video stream and the format, e.g. codec_name, width, duration. */
    static Map<String, String> probe(Path file) {
        String output = new String(run(List.of("ffprobe", "-v", "error", "-select_streams", "v:0",
                "-show_entries", "stream=codec_name,width,height,nb_frames:format=duration,format_name",
                "-of", "default=noprint_wrappers=1", file.toString())), StandardCharsets.UTF_8);
        Map<String, String> entries = new LinkedHashMap<>();
        output.lines().map(line -> line.split("=", 2)).filter(pair -> pair.length == 2)
                .forEach(pair -> entries.putIfAbsent(pair[0].trim(), pair[1].trim()));
        return entries;
    }

    /** The first frame of {@code file} decoded by ffmpeg as packed RGB bytes. */
    static byte[] decodeRgb(Path file) {
        return run(List.of("ffmpeg", "-v", "error", "-i", file.toString(), "-frames:v", "1", "-f", "rawvideo",
                "-pix_fmt", "rgb24", "-"));
    }

    private static byte[] run(List<String> command) {
        DebianTools.assumeOnPath(command.get(0), "ffmpeg");
        Process process;
        try {
            process = new ProcessBuilder(new ArrayList<>(command)).start();
        } catch (IOException e) {
            return fail(command.get(0) + " is required for the media tests (apt-get install -y ffmpeg): "
                    + e.getMessage());
        }
        try {
            CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            byte[] stdout = readAll(process.getInputStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return fail(command + " timed out");
            }
            assertEquals(0, process.exitValue(),
                    () -> command + " failed: " + new String(stderr.join(), StandardCharsets.UTF_8));
            return stdout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

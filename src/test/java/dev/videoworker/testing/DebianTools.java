package dev.videoworker.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tests that need a Debian tool {@code .ci/run} installs (ffmpeg, curl, python3-requests, nodejs/npm, chromium) are
 * skipped, not failed, on a machine without it, with a message saying what to install.
 */
public final class DebianTools {

    private DebianTools() {
    }

    /** Whether {@code command} is an executable file in a directory of the PATH. */
    public static boolean onPath(String command) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(directory, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return true;
            }
        }
        return false;
    }

    /** Skips the calling test unless {@code command} is on the PATH; names the Debian package that has it. */
    public static void assumeOnPath(String command, String debianPackage) {
        assumeTrue(onPath(command), () -> skipMessage(command, debianPackage));
    }

    /** "ffprobe is not on the PATH: ... apt-get install ffmpeg (bash .ci/run installs it)". */
    public static String skipMessage(String what, String debianPackage) {
        return what + " is not on the PATH: test skipped (Debian: sudo apt-get install " + debianPackage
                + "; bash .ci/run installs it)";
    }
}

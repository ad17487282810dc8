package dev.videoworker.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the image's Dockerfile gives its JVM, for tests and the harness that run the worker the image's way. */
public final class ImageOptions {

    public static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");
    private static final Pattern JAVA_OPTS = Pattern.compile("JAVA_OPTS=\"([^\"]*)\"");

    private ImageOptions() {
    }

    /** The image's {@code JAVA_OPTS}, as the Dockerfile sets them; fails when the Dockerfile sets none. */
    public static String javaOpts() {
        try {
            Matcher javaOpts = JAVA_OPTS.matcher(Files.readString(DOCKERFILE));
            if (!javaOpts.find()) {
                throw new IllegalStateException(DOCKERFILE + " sets no JAVA_OPTS");
            }
            return javaOpts.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

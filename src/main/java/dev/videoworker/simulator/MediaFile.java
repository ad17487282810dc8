package dev.videoworker.simulator;

import java.nio.file.Path;

/** A rendered asset on disk and the media type to serve it as. */
public record MediaFile(Path path, String contentType) {
}

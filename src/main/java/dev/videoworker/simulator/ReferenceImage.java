package dev.videoworker.simulator;

/**
 * What the simulator needs to know of an {@code input_reference} image: its format (sniffed from the bytes, not the
 * declared content type) and its pixel size.
 */
public record ReferenceImage(String contentType, int width, int height) {

    public VideoSize size() {
        return new VideoSize(width, height);
    }
}

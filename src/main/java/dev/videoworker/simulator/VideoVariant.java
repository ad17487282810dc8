package dev.videoworker.simulator;

import java.util.Optional;

/** The downloadable assets of a completed video ({@code ?variant=}) and the media type each is served as. */
public enum VideoVariant {
    VIDEO("video", "video/mp4", "mp4"),
    THUMBNAIL("thumbnail", "image/webp", "webp"),
    SPRITESHEET("spritesheet", "image/jpeg", "jpg");

    private final String wireName;
    private final String contentType;
    private final String extension;

    VideoVariant(String wireName, String contentType, String extension) {
        this.wireName = wireName;
        this.contentType = contentType;
        this.extension = extension;
    }

    public String wireName() {
        return wireName;
    }

    public String contentType() {
        return contentType;
    }

    public String extension() {
        return extension;
    }

    public static Optional<VideoVariant> fromWireName(String name) {
        for (VideoVariant variant : values()) {
            if (variant.wireName.equals(name)) {
                return Optional.of(variant);
            }
        }
        return Optional.empty();
    }
}

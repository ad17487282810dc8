package dev.videoworker.simulator;

/** Order of {@code GET /v1/videos} by creation time. */
public enum SortOrder {
    ASC,
    DESC
}

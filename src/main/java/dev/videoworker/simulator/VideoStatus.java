package dev.videoworker.simulator;

/** Lifecycle status of a video job, with the lower-case name the API uses. */
public enum VideoStatus {
    QUEUED("queued"),
    IN_PROGRESS("in_progress"),
    COMPLETED("completed"),
    FAILED("failed");

    private final String wireName;

    VideoStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}

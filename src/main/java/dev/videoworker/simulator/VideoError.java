package dev.videoworker.simulator;

/** Why a job ended {@code failed}: the {@code error} object of a video resource. */
public record VideoError(String code, String message) {
}

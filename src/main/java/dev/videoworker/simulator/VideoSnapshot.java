package dev.videoworker.simulator;

import io.vertx.core.json.JsonObject;

/**
 * A video job as seen at one instant: the API's {@code VideoResource}. Nullable fields are null until they apply.
 */
public record VideoSnapshot(
        String id,
        String model,
        VideoStatus status,
        int progress,
        long createdAt,
        Long completedAt,
        Long expiresAt,
        String prompt,
        String size,
        String seconds,
        String remixedFromVideoId,
        VideoError error) {

    /** Every required field of the schema, nulls written out explicitly. */
    public JsonObject toJson() {
        return new JsonObject()
                .put("id", id)
                .put("object", "video")
                .put("model", model)
                .put("status", status.wireName())
                .put("progress", progress)
                .put("created_at", createdAt)
                .put("completed_at", completedAt)
                .put("expires_at", expiresAt)
                .put("prompt", prompt)
                .put("size", size)
                .put("seconds", seconds)
                .put("remixed_from_video_id", remixedFromVideoId)
                .put("error", error == null ? null
                        : new JsonObject().put("code", error.code()).put("message", error.message()));
    }
}

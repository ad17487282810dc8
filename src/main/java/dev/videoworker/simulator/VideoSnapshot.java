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

    /** The list entry of a provider that leaves the prompt out (simulator.faults.list-omits-prompt). */
    public VideoSnapshot withoutPrompt() {
        return new VideoSnapshot(id, model, status, progress, createdAt, completedAt, expiresAt, null, size, seconds,
                remixedFromVideoId, error);
    }

    /**
     * Every required field of the schema, nulls written out explicitly; only {@code prompt} is left out when null,
     * which a created video never is (see {@link #withoutPrompt()}).
     */
    public JsonObject toJson() {
        JsonObject json = new JsonObject()
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
        if (prompt == null) {
            json.remove("prompt");
        }
        return json;
    }
}

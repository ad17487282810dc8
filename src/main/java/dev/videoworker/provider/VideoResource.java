package dev.videoworker.provider;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A video job as the provider describes it (OpenAI {@code VideoResource}, read leniently). Never leaves this package:
 * {@link VideosClient} maps it to {@link ProviderVideo}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record VideoResource(
        String id,
        String object,
        String model,
        String status,
        Integer progress,
        @JsonProperty("created_at") Long createdAt,
        @JsonProperty("completed_at") Long completedAt,
        @JsonProperty("expires_at") Long expiresAt,
        String prompt,
        String size,
        String seconds,
        @JsonProperty("remixed_from_video_id") String remixedFromVideoId,
        ProviderError error) {

    /** The {@code error} of a failed video, or the body of an error envelope. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ProviderError(String code, String message, String type, String param) {
    }

    /** {@code {"error": {...}}}, the OpenAI error envelope. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ErrorEnvelope(ProviderError error) {
    }

    /** {@code GET /v1/videos}: one page of the list, newest first with {@code order=desc}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Page(String object, java.util.List<VideoResource> data, @JsonProperty("first_id") String firstId,
            @JsonProperty("last_id") String lastId, @JsonProperty("has_more") boolean hasMore) {
    }

    /** {@code DELETE /v1/videos/{id}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Deleted(String id, String object, boolean deleted) {
    }
}

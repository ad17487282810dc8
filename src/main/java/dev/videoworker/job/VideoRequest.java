package dev.videoworker.job;

import java.math.BigDecimal;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A validated job request, with defaults applied: what the worker will submit and store.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VideoRequest(
        String jobId,
        String model,
        String prompt,
        String size,
        String seconds,
        InputReference inputReference,
        List<String> variants,
        OutputTarget output,
        BigDecimal maxCostUsd,
        JsonNode metadata,
        /** The provider the request asks for by name (null: chosen by model). */
        String provider) {

    public VideoRequest {
        variants = variants == null ? List.of() : List.copyOf(variants);
    }

    /** A request that names no provider. */
    public VideoRequest(String jobId, String model, String prompt, String size, String seconds,
            InputReference inputReference, List<String> variants, OutputTarget output, BigDecimal maxCostUsd,
            JsonNode metadata) {
        this(jobId, model, prompt, size, seconds, inputReference, variants, output, maxCostUsd, metadata, null);
    }

    /** An image that guides generation: {@code s3://bucket/key}; {@code fit} says how it must match the size. */
    public record InputReference(String uri, String fit) {
    }

    /**
     * This request without the bytes of an inline ({@code data:}) input image: once the provider has the job, they are
     * never needed again, and they would otherwise be kept in memory and written with every state of the job.
     */
    public VideoRequest withoutInlineImage() {
        if (inputReference == null || inputReference.uri() == null || !inputReference.uri().startsWith("data:")) {
            return this;
        }
        String uri = inputReference.uri();
        int comma = uri.indexOf(',');
        String header = comma < 0 ? "data:" : uri.substring(0, comma);
        return new VideoRequest(jobId, model, prompt, size, seconds, new InputReference(header + ",(" + uri.length()
                + " characters left out once submitted)", inputReference.fit()), variants, output, maxCostUsd, metadata,
                provider);
    }

    /** Where the video goes; {@code key} may be a template. Either part may be null (configured default). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutputTarget(String bucket, String key) {
    }
}

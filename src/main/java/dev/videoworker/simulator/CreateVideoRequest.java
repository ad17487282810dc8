package dev.videoworker.simulator;

/**
 * The fields of {@code POST /v1/videos} after transport decoding; a null field was not sent and takes the API default.
 *
 * @param inputReference the measured reference image, or null for text-to-video
 */
public record CreateVideoRequest(String model, String prompt, String size, String seconds,
        ReferenceImage inputReference) {

    public static CreateVideoRequest of(String model, String prompt, String size, String seconds) {
        return new CreateVideoRequest(model, prompt, size, seconds, null);
    }
}

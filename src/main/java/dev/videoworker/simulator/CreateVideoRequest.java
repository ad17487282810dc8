package dev.videoworker.simulator;

/**
 * The fields of {@code POST /v1/videos} after transport decoding; a null field was not sent and takes the API default.
 *
 * @param inputReference the measured reference image, or null for text-to-video
 * @param callback       where the video's final state is announced (OpenRouter's {@code callback_url}), or null
 */
public record CreateVideoRequest(String model, String prompt, String size, String seconds,
        ReferenceImage inputReference, Callback callback) {

    public CreateVideoRequest(String model, String prompt, String size, String seconds,
            ReferenceImage inputReference) {
        this(model, prompt, size, seconds, inputReference, null);
    }

    public static CreateVideoRequest of(String model, String prompt, String size, String seconds) {
        return new CreateVideoRequest(model, prompt, size, seconds, null);
    }

    /** This request with the API's URL as its client called it, for the callback's result URLs. */
    CreateVideoRequest withCallbackApi(String api) {
        return callback == null ? this : new CreateVideoRequest(model, prompt, size, seconds, inputReference,
                new Callback(callback.url(), api));
    }

    /**
     * A callback URL of a create.
     *
     * @param url absolute http(s) URL the final event is POSTed to
     * @param api the videos collection as the client called it (for {@code unsigned_urls}); null: not known
     */
    public record Callback(String url, String api) {
    }
}

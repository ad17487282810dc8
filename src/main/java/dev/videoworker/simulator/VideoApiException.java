package dev.videoworker.simulator;

import java.time.Duration;
import java.util.Optional;

import io.vertx.core.json.JsonObject;

/**
 * A request the simulator refuses: the HTTP status and the fields of OpenAI's error envelope.
 */
public final class VideoApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final transient Duration retryAfter;

    public VideoApiException(int status, String message, String type, String param, String code) {
        this(status, message, type, param, code, null);
    }

    /** @param retryAfter sent as {@code Retry-After}/{@code retry-after-ms}, which the OpenAI SDKs honour; or null */
    public VideoApiException(int status, String message, String type, String param, String code,
            Duration retryAfter) {
        // no stack trace: these are expected answers, not faults
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** A 400 {@code invalid_request_error}. */
    public static VideoApiException invalid(String message, String param, String code) {
        return new VideoApiException(400, message, "invalid_request_error", param, code);
    }

    public static VideoApiException invalidValue(String param, String value, String supported) {
        return invalid("Invalid value: '" + value + "'. Supported values are: " + supported + ".", param,
                "invalid_value");
    }

    public static VideoApiException videoNotFound(String id, String param) {
        return new VideoApiException(404, "Video with id '" + id + "' not found.", "invalid_request_error", param,
                "video_not_found");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** {@code {"error": {"message", "type", "param", "code"}}} with explicit nulls, as OpenAI sends it. */
    public JsonObject envelope() {
        return new JsonObject().put("error", new JsonObject()
                .put("message", getMessage())
                .put("type", type)
                .put("param", param)
                .put("code", code));
    }
}

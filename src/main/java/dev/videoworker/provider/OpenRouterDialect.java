package dev.videoworker.provider;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenRouter's video API ({@code /api/v1/videos}): JSON creates with an integer {@code duration} and the image as a
 * first frame, a 202 that carries only the id, no progress, {@code usage.cost}, a string {@code error}, and the video
 * behind an authenticated content endpoint. It has no list and no delete: an unknown create outcome can only be
 * learnt from the {@code callback_url}, or not at all.
 */
class OpenRouterDialect implements Dialect {

    static final String BASE = "/api/v1/videos";
    private static final Capabilities CAPABILITIES = new Capabilities(false, false, true, false, true, false);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "openrouter";
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Call create(VideosClient.CreateVideo video, String callbackUrl) {
        ObjectNode body = JSON.createObjectNode()
                .put("model", video.model())
                .put("prompt", video.prompt());
        if (video.seconds() != null) {
            // an integer here, where OpenAI takes the string "seconds"; the catalog only lets whole seconds through
            body.put("duration", Integer.parseInt(video.seconds().trim()));
        }
        if (video.size() != null) {
            body.put("size", video.size());
        }
        if (video.image() != null) {
            ObjectNode frame = body.putArray("frame_images").addObject();
            frame.put("type", "image_url");
            frame.putObject("image_url").put("url", dataUrl(video));
            frame.put("frame_type", "first_frame");
        }
        if (callbackUrl != null) {
            body.put("callback_url", callbackUrl);
        }
        return new Call(BASE, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String videoPath(String videoId) {
        return BASE + "/" + OpenAiDialect.segment(videoId);
    }

    /** Only the first output ({@code index=0}): the worker asks for one video per job, and there are no variants. */
    @Override
    public String contentPath(String videoId, String variant) {
        if (variant != null) {
            throw new ProviderException(404, "variant_not_supported", "OpenRouter serves no " + variant + " variant.",
                    false, false, null, null);
        }
        return videoPath(videoId) + "/content?index=0";
    }

    @Override
    public ProviderVideo video(JsonNode v, Duration pollAfter) {
        String id = Fields.text(v, "id");
        if (id == null) {
            throw VideosClient.invalidAnswer("The provider answered without a video id.");
        }
        String status = Fields.text(v, "status");
        ErrorWords error = Fields.errorWords(Fields.at(v, "error"));
        // no progress, creation time, size or seconds: the worker keeps its own
        return new ProviderVideo(id, ProviderStatus.lenient(status), status, null, Fields.text(v, "model"), null, null,
                null, null, null, Fields.instant(v, "expires_at"), error.code(), error.message(), pollAfter,
                Fields.decimal(v, "usage.cost"), null);
    }

    @Override
    public ErrorWords error(JsonNode body) {
        return Fields.errorWords(Fields.at(body, "error"));
    }

    /** The image inline, as a {@code data:} URL: the worker has no public URL to offer for it. */
    static String dataUrl(VideosClient.CreateVideo video) {
        String type = video.imageContentType() == null ? "application/octet-stream" : video.imageContentType();
        return "data:" + type + ";base64," + Base64.getEncoder().encodeToString(video.image());
    }
}

package dev.videoworker.provider;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * OpenAI's Videos API ({@code ../shared/reference/openai-videos-api.yaml}): multipart creates under
 * {@code /v1/videos}, list, delete, content endpoint with variants, progress, {@code {"error": {code, message}}}.
 * Also Azure OpenAI's v1 surface, LiteLLM and other faithful relays.
 */
class OpenAiDialect implements Dialect {

    static final String BASE = "/v1/videos";
    private static final Capabilities CAPABILITIES = new Capabilities(true, true, true, true, false, true);

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public Call create(VideosClient.CreateVideo video, String callbackUrl) {
        MultipartBody form = new MultipartBody()
                .text("model", video.model())
                .text("prompt", video.prompt())
                .text("size", video.size())
                .text("seconds", video.seconds());
        if (video.image() != null) {
            form.file("input_reference", video.imageFileName(), video.imageContentType(), video.image());
        }
        return new Call(BASE, form.contentType(), form.finish());
    }

    @Override
    public String videoPath(String videoId) {
        return BASE + "/" + segment(videoId);
    }

    @Override
    public String listPath() {
        return BASE;
    }

    @Override
    public String deletePath(String videoId) {
        return videoPath(videoId);
    }

    @Override
    public String contentPath(String videoId, String variant) {
        return videoPath(videoId) + "/content" + (variant == null ? "" : "?variant=" + query(variant));
    }

    @Override
    public ProviderVideo video(JsonNode v, Duration pollAfter) {
        String id = Fields.text(v, "id");
        if (id == null) {
            throw VideosClient.invalidAnswer("The provider answered without a video id.");
        }
        String status = Fields.text(v, "status");
        ErrorWords error = Fields.errorWords(Fields.at(v, "error"));
        return new ProviderVideo(id, ProviderStatus.lenient(status), status, Fields.integer(v, "progress"),
                Fields.text(v, "model"), Fields.text(v, "prompt"), Fields.text(v, "size"), Fields.text(v, "seconds"),
                Fields.instant(v, "created_at"), Fields.instant(v, "completed_at"), Fields.instant(v, "expires_at"),
                error.code(), error.message(), pollAfter, null, null);
    }

    @Override
    public Page page(JsonNode body) {
        List<ProviderVideo> videos = new ArrayList<>();
        JsonNode data = Fields.at(body, "data");
        if (data != null && data.isArray()) {
            for (JsonNode v : data) {
                videos.add(video(v, null));
            }
        }
        String last = Fields.text(body, "last_id");
        if (last == null && !videos.isEmpty()) {
            last = videos.get(videos.size() - 1).id();
        }
        JsonNode more = Fields.at(body, "has_more");
        return new Page(videos, more != null && more.asBoolean(), last);
    }

    @Override
    public ErrorWords error(JsonNode body) {
        return Fields.errorWords(Fields.at(body, "error"));
    }

    /** One path segment: ids are percent-encoded (an id with {@code /} or {@code ?} stays one segment). */
    static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String query(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}

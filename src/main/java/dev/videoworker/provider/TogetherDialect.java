package dev.videoworker.provider;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Together's video API ({@code /v2/videos}): JSON creates with integer {@code width} and {@code height} and the
 * string {@code seconds}, OpenAI-like answers without progress, and the result as a signed URL
 * ({@code outputs.video_url}) with its cost ({@code outputs.cost}). No list, delete or webhook.
 */
class TogetherDialect implements Dialect {

    static final String BASE = "/v2/videos";
    private static final Capabilities CAPABILITIES = new Capabilities(false, false, false, false, false, false);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "together";
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
        if (video.size() != null) {
            int x = video.size().indexOf('x');
            body.put("width", Integer.parseInt(video.size().substring(0, x).trim()));
            body.put("height", Integer.parseInt(video.size().substring(x + 1).trim()));
        }
        if (video.seconds() != null) {
            body.put("seconds", video.seconds());
        }
        if (video.image() != null) {
            // The current shape, media.frame_images; the older top-level frame_images[{input_image, frame}] is not
            // sent, as a provider that knows both would take either and one that knows only the old would be rare.
            ObjectNode frame = body.putObject("media").putArray("frame_images").addObject();
            frame.put("input_image", OpenRouterDialect.dataUrl(video));
            frame.put("frame", "first");
        }
        return new Call(BASE, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String videoPath(String videoId) {
        return BASE + "/" + OpenAiDialect.segment(videoId);
    }

    @Override
    public ProviderVideo video(JsonNode v, Duration pollAfter) {
        String id = Fields.text(v, "id");
        if (id == null) {
            throw VideosClient.invalidAnswer("The provider answered without a video id.");
        }
        String status = Fields.text(v, "status");
        ErrorWords error = Fields.errorWords(Fields.at(v, "error"));
        return new ProviderVideo(id, ProviderStatus.lenient(status), status, null, Fields.text(v, "model"),
                Fields.text(v, "prompt"), Fields.text(v, "size"), Fields.text(v, "seconds"),
                Fields.instant(v, "created_at"), Fields.instant(v, "completed_at"), Fields.instant(v, "expires_at"),
                error.code(), error.message(), pollAfter, Fields.decimal(v, "outputs.cost"),
                Fields.text(v, "outputs.video_url"));
    }

    @Override
    public ErrorWords error(JsonNode body) {
        return Fields.errorWords(Fields.at(body, "error"));
    }
}

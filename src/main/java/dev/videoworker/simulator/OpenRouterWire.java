package dev.videoworker.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * OpenRouter's shapes under {@code /openrouter/api/v1/videos}: JSON creates with an integer {@code duration} and
 * {@code frame_images}, a 202 that says only the id, answers without progress, size or seconds, a string
 * {@code error}, {@code usage.cost}, an authenticated content endpoint, no list, delete or remix, and a
 * {@code callback_url} called once the video is final.
 */
final class OpenRouterWire implements DialectWire {

    private static final Set<String> CREATE_FIELDS = Set.of("model", "prompt", "duration", "size", "frame_images",
            "callback_url");

    @Override
    public String name() {
        return "openrouter";
    }

    @Override
    public String path() {
        return "/openrouter/api/v1/videos";
    }

    @Override
    public Set<Endpoint> endpoints() {
        return Set.of(Endpoint.CREATE, Endpoint.RETRIEVE, Endpoint.CONTENT);
    }

    @Override
    public boolean openAiCreate() {
        return false;
    }

    /**
     * A {@code callback_url} (absolute http or https) is called when the video is final ({@link SimulatorWebhooks}),
     * signed when {@code simulator.openrouter-webhook-secret} is set.
     */
    @Override
    public CreateVideoRequest create(JsonObject body) throws IOException {
        SimulatorRoutes.rejectUnknown(body.fieldNames(), CREATE_FIELDS);
        Object duration = body.getValue("duration");
        if (duration != null && !(duration instanceof Integer || duration instanceof Long)) {
            throw SimulatorRoutes.typeError("duration", "an integer", duration);
        }
        String callbackUrl = SimulatorRoutes.jsonString(body, "callback_url", "a string");
        if (callbackUrl != null && !absoluteHttp(callbackUrl)) {
            throw VideoApiException.invalid("'callback_url' must be an absolute http or https URL.", "callback_url",
                    "invalid_value");
        }
        ReferenceImage image = null;
        Object frames = body.getValue("frame_images");
        if (frames != null) {
            if (!(frames instanceof JsonArray list) || list.size() != 1
                    || !(list.getValue(0) instanceof JsonObject f)) {
                throw VideoApiException.invalid("'frame_images' must hold one first frame here.", "frame_images",
                        "invalid_value");
            }
            if (!"image_url".equals(f.getValue("type")) || !"first_frame".equals(f.getValue("frame_type"))
                    || !(f.getValue("image_url") instanceof JsonObject url)) {
                throw VideoApiException.invalid("Expected {type: 'image_url', image_url: {url}, frame_type: "
                        + "'first_frame'} in 'frame_images'.", "frame_images", "invalid_value");
            }
            image = SimulatorRoutes.dataUrlImage(SimulatorRoutes.jsonString(url, "url", "a string"),
                    "frame_images.image_url.url");
        }
        return new CreateVideoRequest(SimulatorRoutes.jsonString(body, "model", "a string"),
                SimulatorRoutes.jsonString(body, "prompt", "a string"),
                SimulatorRoutes.jsonString(body, "size", "a string"),
                duration == null ? null : duration.toString(), image,
                callbackUrl == null ? null : new CreateVideoRequest.Callback(callbackUrl, null));
    }

    private static boolean absoluteHttp(String url) {
        try {
            URI uri = new URI(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /**
     * The event a {@code callback_url} receives when {@code video} is final: {@code video.generation.<status>} in
     * OpenRouter's envelope.
     */
    static JsonObject callbackEvent(VideoSnapshot video, String api, String generationId, String createdAt) {
        JsonObject data = new JsonObject()
                .put("id", video.id())
                .put("status", video.status().wireName())
                .put("generation_id", generationId)
                .put("model", video.model());
        if (video.status() == VideoStatus.COMPLETED) {
            data.put("unsigned_urls", api == null ? new JsonArray()
                    : new JsonArray().add(api + "/" + video.id() + "/content?index=0"))
                    .put("usage", new JsonObject().put("cost", DialectWire.cost(video)).put("is_byok", false));
        } else {
            data.put("error", video.error() == null ? "The generation failed." : video.error().message());
        }
        return new JsonObject().put("type", "video.generation." + video.status().wireName())
                .put("created_at", createdAt).put("data", data);
    }

    @Override
    public int createStatus() {
        return 202;
    }

    @Override
    public JsonObject created(VideoSnapshot video, Links links) {
        return new JsonObject().put("id", video.id()).put("polling_url", links.api() + "/" + video.id())
                .put("status", "pending");
    }

    @Override
    public JsonObject video(VideoSnapshot video, Links links) {
        JsonObject json = new JsonObject()
                .put("id", video.id())
                .put("polling_url", links.api() + "/" + video.id())
                .put("status", video.status() == VideoStatus.QUEUED ? "pending" : video.status().wireName());
        switch (video.status()) {
            case COMPLETED -> json
                    .put("unsigned_urls", new JsonArray().add(links.api() + "/" + video.id() + "/content?index=0"))
                    .put("usage", new JsonObject().put("cost", DialectWire.cost(video)).put("is_byok", false));
            case FAILED -> json.put("error", video.error() == null ? "The generation failed."
                    : video.error().message());
            default -> {
                // nothing more while it runs: no progress
            }
        }
        return json;
    }

    /** {@code {"error": {"code": <HTTP status>, "message"}}}. */
    @Override
    public JsonObject envelope(VideoApiException e) {
        return new JsonObject().put("error", new JsonObject().put("code", e.status()).put("message", e.getMessage()));
    }
}

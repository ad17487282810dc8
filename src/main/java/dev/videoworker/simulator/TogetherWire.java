package dev.videoworker.simulator;

import java.io.IOException;
import java.util.Set;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Together's shapes under {@code /together/v2/videos}: JSON creates with integer {@code width} and {@code height},
 * the string {@code seconds} and {@code media.frame_images}; OpenAI-like answers without progress whose
 * {@code outputs} name the cost and a download URL that needs no key. Create and retrieve only.
 */
final class TogetherWire implements DialectWire {

    private static final Set<String> CREATE_FIELDS = Set.of("model", "prompt", "width", "height", "seconds", "media");

    @Override
    public String name() {
        return "together";
    }

    @Override
    public String path() {
        return "/together/v2/videos";
    }

    @Override
    public Set<Endpoint> endpoints() {
        return Set.of(Endpoint.CREATE, Endpoint.RETRIEVE);
    }

    @Override
    public boolean openAiCreate() {
        return false;
    }

    @Override
    public CreateVideoRequest create(JsonObject body) throws IOException {
        SimulatorRoutes.rejectUnknown(body.fieldNames(), CREATE_FIELDS);
        Integer width = integer(body, "width");
        Integer height = integer(body, "height");
        if ((width == null) != (height == null)) {
            throw VideoApiException.invalid("Give both 'width' and 'height', or neither.", "width", "invalid_value");
        }
        ReferenceImage image = null;
        Object media = body.getValue("media");
        if (media != null) {
            if (!(media instanceof JsonObject m) || !(m.getValue("frame_images") instanceof JsonArray frames)
                    || frames.size() != 1 || !(frames.getValue(0) instanceof JsonObject frame)
                    || !"first".equals(frame.getValue("frame"))) {
                throw VideoApiException.invalid("Expected media.frame_images: [{input_image, frame: 'first'}].",
                        "media", "invalid_value");
            }
            image = SimulatorRoutes.dataUrlImage(SimulatorRoutes.jsonString(frame, "input_image", "a string"),
                    "media.frame_images.input_image");
        }
        return new CreateVideoRequest(SimulatorRoutes.jsonString(body, "model", "a string"),
                SimulatorRoutes.jsonString(body, "prompt", "a string"),
                width == null ? null : width + "x" + height,
                SimulatorRoutes.jsonString(body, "seconds", "a string"), image);
    }

    private static Integer integer(JsonObject body, String field) {
        Object value = body.getValue(field);
        if (value == null || value instanceof Integer) {
            return (Integer) value;
        }
        throw SimulatorRoutes.typeError(field, "an integer", value);
    }

    @Override
    public JsonObject video(VideoSnapshot video, Links links) {
        JsonObject json = new JsonObject()
                .put("id", video.id())
                .put("object", "video")
                .put("model", video.model())
                .put("status", video.status().wireName())
                .put("created_at", video.createdAt())
                .put("completed_at", video.completedAt())
                .put("size", video.size())
                .put("seconds", video.seconds())
                .put("error", video.error() == null ? null
                        : new JsonObject().put("code", video.error().code()).put("message", video.error().message()))
                .put("outputs", null);
        if (video.status() == VideoStatus.COMPLETED) {
            json.put("outputs", new JsonObject().put("cost", DialectWire.cost(video)).put("video_url",
                    links.result()));
        }
        return json;
    }
}

package dev.videoworker.simulator;

import java.util.Set;

import io.vertx.core.json.JsonObject;

/**
 * A new-api style relay under {@code /url-result/v1/videos}: OpenAI's creates and retrieve only, progress as
 * {@code "NN%"}, {@code succeeded} when done, and the video as a URL that needs no key ({@code video_url} and
 * {@code metadata.url}).
 */
final class UrlResultWire implements DialectWire {

    @Override
    public String name() {
        return "url-result";
    }

    @Override
    public String path() {
        return "/url-result/v1/videos";
    }

    @Override
    public Set<Endpoint> endpoints() {
        return Set.of(Endpoint.CREATE, Endpoint.RETRIEVE);
    }

    @Override
    public JsonObject video(VideoSnapshot video, Links links) {
        JsonObject json = video.toJson()
                .put("status", video.status() == VideoStatus.COMPLETED ? "succeeded" : video.status().wireName())
                .put("progress", video.progress() + "%");
        json.remove("remixed_from_video_id");
        if (video.status() == VideoStatus.COMPLETED) {
            json.put("video_url", links.result()).put("metadata", new JsonObject().put("url", links.result()));
        }
        return json;
    }
}

package dev.videoworker.simulator;

import java.util.List;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One page of {@code GET /v1/videos}: the API's {@code VideoListResource}. */
public record VideoPage(List<VideoSnapshot> data, boolean hasMore) {

    public VideoPage {
        data = List.copyOf(data);
    }

    public JsonObject toJson() {
        JsonArray items = new JsonArray();
        data.forEach(video -> items.add(video.toJson()));
        return new JsonObject()
                .put("object", "list")
                .put("data", items)
                .put("first_id", data.isEmpty() ? null : data.get(0).id())
                .put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).id())
                .put("has_more", hasMore);
    }
}

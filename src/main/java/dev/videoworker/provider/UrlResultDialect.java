package dev.videoworker.provider;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * OpenAI-like relays (new-api and its kin) under {@code /v1/videos}: OpenAI's create and retrieve, but no list, no
 * delete and no content endpoint the worker relies on; the finished video is a URL ({@code video_url}, or
 * {@code metadata.url}), progress may be a string {@code "NN%"}, and a finished job may say {@code succeeded}.
 */
class UrlResultDialect implements Dialect {

    private static final Capabilities CAPABILITIES = new Capabilities(false, false, false, true, false, false);
    private final OpenAiDialect openAi = new OpenAiDialect();

    @Override
    public String name() {
        return "url-result";
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    /** Multipart, as OpenAI's: relays accept it for every upstream, JSON only for some. */
    @Override
    public Call create(VideosClient.CreateVideo video, String callbackUrl) {
        return openAi.create(video, null);
    }

    @Override
    public String videoPath(String videoId) {
        return openAi.videoPath(videoId);
    }

    @Override
    public ProviderVideo video(JsonNode v, Duration pollAfter) {
        ProviderVideo like = openAi.video(v, pollAfter);
        String url = Fields.text(v, "video_url");
        if (url == null || url.isBlank()) {
            url = Fields.text(v, "metadata.url");
        }
        return new ProviderVideo(like.id(), like.status(), like.rawStatus(), like.progress(), like.model(),
                like.prompt(), like.size(), like.seconds(), like.createdAt(), like.completedAt(), like.expiresAt(),
                like.errorCode(), like.errorMessage(), pollAfter, null, url == null || url.isBlank() ? null : url);
    }

    @Override
    public ErrorWords error(JsonNode body) {
        return openAi.error(body);
    }
}

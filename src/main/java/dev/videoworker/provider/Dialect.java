package dev.videoworker.provider;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How one family of video APIs says things: the paths of its calls (relative to the provider's base URL, whose own
 * path is kept), the body of a create, where the id, status, progress, cost and result are in its answers, and what
 * it can do besides create and retrieve. A dialect is data plus a small mapper; it holds no key and makes no call
 * ({@link VideosClient} does, for every dialect alike).
 */
public interface Dialect {

    /** The name used in configuration: {@code openai}, {@code openrouter}, {@code together}, {@code url-result}. */
    String name();

    Capabilities capabilities();

    /**
     * What the API offers beyond create and retrieve.
     *
     * @param list a list of recent videos (reconciles an unknown create outcome by searching it)
     * @param delete deleting the provider's copy
     * @param contentEndpoint the video is served by the provider under its base URL, with the key; otherwise the
     *        retrieved video names a result URL
     * @param progress the provider reports progress (otherwise the worker synthesises it)
     * @param callbackUrl a create may carry a callback URL (reconciles an unknown create outcome by the callback)
     * @param variants content variants (thumbnail, spritesheet) next to the video
     */
    record Capabilities(boolean list, boolean delete, boolean contentEndpoint, boolean progress, boolean callbackUrl,
            boolean variants) {
    }

    /** A call's path (relative to the base URL; an absolute URL only where the provider handed one out) and body. */
    record Call(String path, String contentType, byte[] body) {
    }

    /**
     * The create call for {@code video}; {@code callbackUrl} is sent along where the dialect has one (null: none).
     */
    Call create(VideosClient.CreateVideo video, String callbackUrl);

    /** Path of {@code GET} for one video. */
    String videoPath(String videoId);

    /** Path of the list, newest first (only when {@link Capabilities#list()}). */
    default String listPath() {
        throw new UnsupportedOperationException(name() + " has no list");
    }

    /** Path of {@code DELETE} for one video (only when {@link Capabilities#delete()}). */
    default String deletePath(String videoId) {
        throw new UnsupportedOperationException(name() + " cannot delete");
    }

    /** Path of the content endpoint (only when {@link Capabilities#contentEndpoint()}); {@code variant} may be null. */
    default String contentPath(String videoId, String variant) {
        throw new UnsupportedOperationException(name() + " has no content endpoint");
    }

    /** The provider's description of a video, in the worker's terms; {@code pollAfter}: the provider's hint. */
    ProviderVideo video(JsonNode body, Duration pollAfter);

    /** One page of the list (only when {@link Capabilities#list()}). */
    default Page page(JsonNode body) {
        throw new UnsupportedOperationException(name() + " has no list");
    }

    /** A page of the list: its videos, whether more follow, and the cursor of the next page. */
    record Page(List<ProviderVideo> videos, boolean hasMore, String lastId) {
    }

    /** The provider's code and message in an error answer's body (either may be null: not said, not JSON). */
    ErrorWords error(JsonNode body);

    record ErrorWords(String code, String message) {
    }

    /** Header that carries the key, and its value for {@code key}. */
    default String authHeader() {
        return "Authorization";
    }

    default String authValue(String key) {
        return "Bearer " + key;
    }
}

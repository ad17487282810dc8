package dev.videoworker.simulator;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.vertx.core.json.JsonObject;

/**
 * How one provider dialect puts the simulator's videos on the wire: where its API is mounted, which calls it has, how
 * a create's JSON reads, and how videos and errors look. Every dialect serves the same {@link VideoSimulator} (one
 * store, the same faults); only the shapes differ, so a worker can be tested against each API it speaks.
 */
interface DialectWire {

    /** The names of {@code simulator.dialects}, in mounting order. */
    Set<String> NAMES = Set.of("openai", "openrouter", "together", "url-result");

    String name();

    /** The wires of {@code names}; {@code openai} twice: at {@value SimulatorRoutes#PREFIX} and under /openai. */
    static List<DialectWire> selected(Collection<String> names) {
        List<DialectWire> wires = new ArrayList<>();
        if (names.contains("openai")) {
            wires.add(OpenAi.DEFAULT);
            wires.add(new OpenAi("/openai" + SimulatorRoutes.PREFIX));
        }
        if (names.contains("openrouter")) {
            wires.add(new OpenRouterWire());
        }
        if (names.contains("together")) {
            wires.add(new TogetherWire());
        }
        if (names.contains("url-result")) {
            wires.add(new UrlResultWire());
        }
        return wires;
    }

    /** Path of the videos collection, e.g. {@code /openrouter/api/v1/videos}. */
    String path();

    /** The calls this API has; the others get its 404 envelope. */
    Set<Endpoint> endpoints();

    /** Whether creates are OpenAI's (multipart, urlencoded or JSON); otherwise JSON read by {@link #create}. */
    default boolean openAiCreate() {
        return true;
    }

    /** A JSON create in this dialect as the simulator's request (only when not {@link #openAiCreate()}). */
    default CreateVideoRequest create(JsonObject body) throws IOException {
        throw new UnsupportedOperationException(name() + " creates like OpenAI");
    }

    /** HTTP status of a create's answer. */
    default int createStatus() {
        return 200;
    }

    /** The answer to a create. */
    default JsonObject created(VideoSnapshot video, Links links) {
        return video(video, links);
    }

    /** A video as a retrieve (and a create, unless {@link #created} differs) answers it. */
    JsonObject video(VideoSnapshot video, Links links);

    /** The error envelope of a refused call. */
    default JsonObject envelope(VideoApiException e) {
        return e.envelope();
    }

    /**
     * The URLs an answer about one video may name.
     *
     * @param api the videos collection as the client called it ({@code http://host:port/together/v2/videos})
     * @param result where the finished video can be downloaded without the key (null until it is completed)
     */
    record Links(String api, String result) {
    }

    /**
     * What the simulator says a finished video cost, in USD, for dialects that report it: per second, more for
     * {@code sora-2-pro}.
     */
    static BigDecimal cost(VideoSnapshot video) {
        BigDecimal perSecond = video.model() != null && video.model().startsWith("sora-2-pro") ? new BigDecimal("0.30")
                : new BigDecimal("0.10");
        return perSecond.multiply(new BigDecimal(video.seconds()));
    }

    /** OpenAI's Videos API as it is, under {@code path}. */
    record OpenAi(String path) implements DialectWire {

        static final OpenAi DEFAULT = new OpenAi(SimulatorRoutes.PREFIX);

        @Override
        public String name() {
            return "openai";
        }

        @Override
        public Set<Endpoint> endpoints() {
            return Set.of(Endpoint.values());
        }

        @Override
        public JsonObject video(VideoSnapshot video, Links links) {
            return video.toJson();
        }
    }
}

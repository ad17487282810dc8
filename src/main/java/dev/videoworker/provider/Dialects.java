package dev.videoworker.provider;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The dialects the worker speaks, by their configuration name. */
public final class Dialects {

    private static final Map<String, Supplier<Dialect>> KNOWN = new TreeMap<>(Map.of(
            "openai", OpenAiDialect::new,
            "openrouter", OpenRouterDialect::new,
            "together", TogetherDialect::new,
            "url-result", UrlResultDialect::new));

    private Dialects() {
    }

    /** The dialect named {@code name}; an unknown name is a configuration error that lists the known ones. */
    public static Dialect named(String name) {
        Supplier<Dialect> dialect = KNOWN.get(name.trim().toLowerCase(Locale.ROOT));
        if (dialect == null) {
            throw new IllegalArgumentException("Unknown provider dialect '" + name + "'. Known dialects: "
                    + String.join(", ", KNOWN.keySet()) + ".");
        }
        return dialect.get();
    }
}

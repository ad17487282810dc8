package dev.videoworker.catalog;

import java.net.URI;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Video APIs switched off by their providers, by API host: the date applies to every catalog entry of a provider at
 * that host unless the entry sets its own {@code retires-on}. The same model names served elsewhere (a relay, the
 * simulator) are not retired by this table: it is the host that switched them off.
 */
final class KnownRetirements {

    /** OpenAI switched Sora 2 and its Videos API off on 2026-09-24 (../shared/reference/provider-notes.md). */
    private static final LocalDate OPENAI_VIDEOS_API_OFF = LocalDate.of(2026, 9, 24);

    private static final Map<String, LocalDate> BY_HOST = Map.of("api.openai.com", OPENAI_VIDEOS_API_OFF);

    private KnownRetirements() {
    }

    static Optional<LocalDate> of(String baseUrl) {
        String host;
        try {
            host = URI.create(baseUrl).getHost();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (host == null) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_HOST.get(host.toLowerCase(Locale.ROOT)));
    }
}

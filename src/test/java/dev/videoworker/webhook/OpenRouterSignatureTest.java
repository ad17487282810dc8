package dev.videoworker.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/**
 * OpenRouter callback signatures, {@code t=<unix>,v1=<hex HMAC-SHA256 of "<t>,<raw body>">}, checked against a
 * signer written out here with {@link Mac}, independent of the code under test.
 */
class OpenRouterSignatureTest {

    static final String SECRET = "FAKE-openrouter-signing-secret";
    static final Instant NOW = Instant.parse("2026-12-04T21:00:00Z");
    static final byte[] BODY = ("{\"type\":\"video.generation.completed\",\"data\":{\"id\":\"vid_FAKE1\","
            + "\"status\":\"completed\"}}").getBytes(StandardCharsets.UTF_8);

    private final OpenRouterSignature verifier = new OpenRouterSignature(List.of(SECRET), Duration.ofSeconds(300));

    /** The header a sender holding {@code secret} writes at {@code t} for {@code body}. */
    static String header(String secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ",").getBytes(StandardCharsets.UTF_8));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void acceptsAValidSignatureAndReturnsItsTimestamp() throws Exception {
        long t = NOW.getEpochSecond() - 10;
        assertThat(verifier.verify(header(SECRET, t, BODY), BODY, NOW)).isEqualTo(Instant.ofEpochSecond(t));
    }

    @Test
    void acceptsAnySecretOfARotation() throws Exception {
        OpenRouterSignature rotating = new OpenRouterSignature(List.of("FAKE-old-secret", SECRET),
                Duration.ofSeconds(300));
        rotating.verify(header("FAKE-old-secret", NOW.getEpochSecond(), BODY), BODY, NOW);
        rotating.verify(header(SECRET, NOW.getEpochSecond(), BODY), BODY, NOW);
        assertThat(rotating.secretCount()).isEqualTo(2);
    }

    @Test
    void refusesAnotherSecret() {
        assertThatThrownBy(() -> verifier.verify(header("FAKE-not-the-configured-secret", NOW.getEpochSecond(),
                BODY), BODY, NOW)).isInstanceOf(WebhookRejected.class).hasMessageContaining("matches");
    }

    @Test
    void refusesATimestampOlderThanTheToleranceAndOneTooFarAhead() throws Exception {
        long stale = NOW.getEpochSecond() - 301;
        assertThatThrownBy(() -> verifier.verify(header(SECRET, stale, BODY), BODY, NOW))
                .isInstanceOf(WebhookRejected.class).hasMessageContaining("301 s old");
        long ahead = NOW.getEpochSecond() + 301;
        assertThatThrownBy(() -> verifier.verify(header(SECRET, ahead, BODY), BODY, NOW))
                .isInstanceOf(WebhookRejected.class).hasMessageContaining("in the future");
        // exactly at the bound is still fine
        verifier.verify(header(SECRET, NOW.getEpochSecond() - 300, BODY), BODY, NOW);
    }

    @Test
    void refusesATamperedBodyAndAMovedTimestamp() {
        String signed = header(SECRET, NOW.getEpochSecond(), BODY);
        byte[] tampered = new String(BODY, StandardCharsets.UTF_8).replace("vid_FAKE1", "vid_FAKE2")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> verifier.verify(signed, tampered, NOW)).isInstanceOf(WebhookRejected.class);
        String moved = signed.replace("t=" + NOW.getEpochSecond(), "t=" + (NOW.getEpochSecond() - 1));
        assertThatThrownBy(() -> verifier.verify(moved, BODY, NOW)).isInstanceOf(WebhookRejected.class);
    }

    @Test
    void refusesAMissingOrMalformedHeaderWithoutEchoingIt() {
        assertThatThrownBy(() -> verifier.verify(null, BODY, NOW)).isInstanceOf(WebhookRejected.class)
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> verifier.verify(" ", BODY, NOW)).isInstanceOf(WebhookRejected.class);
        String valid = header(SECRET, NOW.getEpochSecond(), BODY);
        String signature = valid.substring(valid.indexOf("v1=") + 3);
        assertThatThrownBy(() -> verifier.verify("v1=" + signature, BODY, NOW))
                .isInstanceOf(WebhookRejected.class).hasMessageContaining("timestamp")
                .hasMessageNotContaining(signature);
        assertThatThrownBy(() -> verifier.verify("t=" + NOW.getEpochSecond(), BODY, NOW))
                .isInstanceOf(WebhookRejected.class).hasMessageContaining("v1");
        assertThatThrownBy(() -> verifier.verify("t=" + NOW.getEpochSecond() + ",v1=zz" + signature.substring(2),
                BODY, NOW)).isInstanceOf(WebhookRejected.class);
        assertThatThrownBy(() -> verifier.verify("t=abc,v1=" + signature, BODY, NOW))
                .isInstanceOf(WebhookRejected.class);
    }

    @Test
    void needsASecret() {
        assertThatThrownBy(() -> new OpenRouterSignature(List.of(" "), Duration.ofSeconds(300)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

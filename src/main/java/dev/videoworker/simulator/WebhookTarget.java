package dev.videoworker.simulator;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Objects;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where the simulator announces finished jobs, and the Standard Webhooks secret it signs with: HMAC-SHA256 over
 * {@code "{id}.{timestamp}.{body}"} keyed with the base64 part of {@code whsec_<base64>}. The simulator's own signing
 * code, independent of the worker's verifier, so each checks the other.
 *
 * @param url    http(s) URL the events are POSTed to
 * @param secret {@code whsec_<base64>}; never shown by {@link #toString()}
 */
public record WebhookTarget(URI url, String secret) {

    static final String SECRET_PREFIX = "whsec_";

    public WebhookTarget {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        String scheme = url.getScheme() == null ? "" : url.getScheme();
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("simulator.webhook-url must be an absolute http(s) URL");
        }
        if (!secret.startsWith(SECRET_PREFIX) || keyOf(secret).length == 0) {
            throw new IllegalArgumentException("simulator.webhook-secret must be whsec_ followed by base64");
        }
    }

    private static byte[] keyOf(String secret) {
        try {
            return Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** The value of {@code webhook-signature} for one delivery: {@code v1,<base64 HMAC>}. */
    public String signature(String id, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(keyOf(secret), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** The URL only: the secret stays out of logs. */
    @Override
    public String toString() {
        return url + " (signed)";
    }
}

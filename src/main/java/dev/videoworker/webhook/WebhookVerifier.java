package dev.videoworker.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks Standard Webhooks signatures: HMAC-SHA256 over {@code "{webhook-id}.{webhook-timestamp}.{raw body}"} with
 * the base64-decoded part of a {@code whsec_} secret, any {@code v1,<base64>} entry of {@code webhook-signature}
 * matching one of the configured secrets (several during a rotation), and a timestamp within the tolerance either
 * way. Free of Quarkus so it can be tested directly.
 */
public final class WebhookVerifier {

    static final String SECRET_PREFIX = "whsec_";
    static final int MAX_ID_LENGTH = 256;
    private static final String ALGORITHM = "HmacSHA256";
    private static final Pattern UNIX_SECONDS = Pattern.compile("\\d{1,12}");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private final List<byte[]> keys;
    private final Duration tolerance;

    /**
     * @param secrets   {@code whsec_<base64>} secrets (the prefix is optional); any of them may have signed a webhook
     * @param tolerance how far the webhook's timestamp may be from now, in the past or the future
     */
    public WebhookVerifier(List<String> secrets, Duration tolerance) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one webhook secret is needed");
        }
        if (tolerance.isNegative()) {
            throw new IllegalArgumentException("the webhook tolerance must not be negative, got " + tolerance);
        }
        List<byte[]> decoded = new ArrayList<>(secrets.size());
        for (int i = 0; i < secrets.size(); i++) {
            decoded.add(key(secrets.get(i), i + 1));
        }
        this.keys = List.copyOf(decoded);
        this.tolerance = tolerance;
    }

    public Duration tolerance() {
        return tolerance;
    }

    /** Number of secrets accepted (for the start-up log; never the secrets themselves). */
    public int secretCount() {
        return keys.size();
    }

    /**
     * The HMAC key of a secret: the base64 part after {@code whsec_}. The exception names the position of a bad
     * entry, never its value.
     */
    static byte[] key(String secret, int position) {
        String trimmed = secret == null ? "" : secret.trim();
        String encoded = trimmed.startsWith(SECRET_PREFIX) ? trimmed.substring(SECRET_PREFIX.length()) : trimmed;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            key = new byte[0];
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("webhook secret " + position + " is not whsec_ followed by base64");
        }
        return key;
    }

    /** The base64 HMAC-SHA256 a sender puts after {@code v1,} for this message. */
    public static String sign(byte[] key, String id, String timestamp, byte[] body) {
        return Base64.getEncoder().encodeToString(mac(key, id, timestamp, body));
    }

    private static byte[] mac(byte[] key, String id, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * Verifies one delivery; returns its timestamp.
     *
     * @throws WebhookRejected when a header is missing or malformed, the timestamp is outside the tolerance, or no
     *                         signature matches
     */
    public Instant verify(String id, String timestamp, String signatures, byte[] body, Instant now)
            throws WebhookRejected {
        if (id == null || id.isBlank()) {
            throw new WebhookRejected("missing webhook-id");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new WebhookRejected("webhook-id longer than " + MAX_ID_LENGTH + " characters");
        }
        if (timestamp == null || timestamp.isBlank()) {
            throw new WebhookRejected("missing webhook-timestamp");
        }
        if (!UNIX_SECONDS.matcher(timestamp).matches()) {
            throw new WebhookRejected("webhook-timestamp is not unix seconds");
        }
        Instant sent = Instant.ofEpochSecond(Long.parseLong(timestamp));
        Duration skew = Duration.between(sent, now);
        if (skew.abs().compareTo(tolerance) > 0) {
            throw new WebhookRejected("webhook-timestamp is " + skew.abs().toSeconds() + " s "
                    + (skew.isNegative() ? "in the future" : "old") + ", more than the tolerance of "
                    + tolerance.toSeconds() + " s");
        }
        if (signatures == null || signatures.isBlank()) {
            throw new WebhookRejected("missing webhook-signature");
        }
        List<byte[]> presented = new ArrayList<>();
        for (String entry : WHITESPACE.split(signatures.trim())) {
            if (entry.startsWith("v1,")) {
                try {
                    presented.add(Base64.getDecoder().decode(entry.substring(3)));
                } catch (IllegalArgumentException e) {
                    // a malformed entry matches nothing; another entry may still be valid
                }
            }
        }
        if (presented.isEmpty()) {
            throw new WebhookRejected("webhook-signature has no well-formed v1 entry");
        }
        boolean matched = false;
        for (byte[] key : keys) {
            byte[] expected = mac(key, id, timestamp, body);
            for (byte[] candidate : presented) {
                // no early exit: every comparison is constant-time and all of them run
                matched |= MessageDigest.isEqual(expected, candidate);
            }
        }
        if (!matched) {
            throw new WebhookRejected("no webhook-signature entry matches");
        }
        return sent;
    }
}

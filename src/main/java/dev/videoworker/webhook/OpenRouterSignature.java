package dev.videoworker.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks OpenRouter's callback signatures: {@code X-OpenRouter-Signature: t=<unix seconds>,v1=<hex>}, where the hex
 * is HMAC-SHA256 over {@code "<t>,<raw body>"} keyed with the workspace signing secret as configured (its UTF-8
 * bytes, whatever it looks like). Any {@code v1} entry may match any configured secret (several during a rotation);
 * the timestamp must be within the tolerance either way. Free of Quarkus so it can be tested directly.
 */
public final class OpenRouterSignature {

    public static final String HEADER = "X-OpenRouter-Signature";
    private static final String ALGORITHM = "HmacSHA256";
    private static final Pattern UNIX_SECONDS = Pattern.compile("\\d{1,12}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");
    /** Longer headers are refused unread: a real one is a timestamp and a signature or two. */
    static final int MAX_HEADER_LENGTH = 1024;

    private final List<byte[]> keys;
    private final Duration tolerance;

    /**
     * @param secrets   signing secrets; any of them may have signed a callback (blank ones are left out)
     * @param tolerance how far the callback's timestamp may be from now, in the past or the future
     */
    public OpenRouterSignature(List<String> secrets, Duration tolerance) {
        List<byte[]> usable = new ArrayList<>();
        for (String secret : secrets) {
            if (secret != null && !secret.isBlank()) {
                usable.add(secret.trim().getBytes(StandardCharsets.UTF_8));
            }
        }
        if (usable.isEmpty()) {
            throw new IllegalArgumentException("at least one callback signing secret is needed");
        }
        if (tolerance.isNegative()) {
            throw new IllegalArgumentException("the webhook tolerance must not be negative, got " + tolerance);
        }
        this.keys = List.copyOf(usable);
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
     * Verifies one delivery; returns its signed timestamp.
     *
     * @throws WebhookRejected when the header is missing or malformed, the timestamp is outside the tolerance, or no
     *                         signature matches; the message never holds the header's signatures
     */
    public Instant verify(String header, byte[] body, Instant now) throws WebhookRejected {
        if (header == null || header.isBlank()) {
            throw new WebhookRejected("missing " + HEADER);
        }
        if (header.length() > MAX_HEADER_LENGTH) {
            throw new WebhookRejected(HEADER + " longer than " + MAX_HEADER_LENGTH + " characters");
        }
        String timestamp = null;
        List<byte[]> presented = new ArrayList<>();
        for (String part : header.split(",")) {
            String entry = part.trim();
            if (entry.startsWith("t=")) {
                if (timestamp != null) {
                    throw new WebhookRejected(HEADER + " has more than one timestamp");
                }
                timestamp = entry.substring(2);
            } else if (entry.startsWith("v1=") && HEX.matcher(entry.substring(3)).matches()) {
                presented.add(HexFormat.of().parseHex(entry.substring(3)));
            }
        }
        if (timestamp == null || !UNIX_SECONDS.matcher(timestamp).matches()) {
            throw new WebhookRejected(HEADER + " has no unix-seconds timestamp");
        }
        Instant sent = Instant.ofEpochSecond(Long.parseLong(timestamp));
        Duration skew = Duration.between(sent, now);
        if (skew.abs().compareTo(tolerance) > 0) {
            throw new WebhookRejected("the callback's timestamp is " + skew.abs().toSeconds() + " s "
                    + (skew.isNegative() ? "in the future" : "old") + ", more than the tolerance of "
                    + tolerance.toSeconds() + " s");
        }
        if (presented.isEmpty()) {
            throw new WebhookRejected(HEADER + " has no well-formed v1 entry");
        }
        boolean matched = false;
        for (byte[] key : keys) {
            byte[] expected = mac(key, timestamp, body);
            for (byte[] candidate : presented) {
                // no early exit: every comparison is constant-time and all of them run
                matched |= MessageDigest.isEqual(expected, candidate);
            }
        }
        if (!matched) {
            throw new WebhookRejected("no v1 entry of " + HEADER + " matches");
        }
        return sent;
    }

    private static byte[] mac(byte[] key, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            mac.update((timestamp + ",").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}

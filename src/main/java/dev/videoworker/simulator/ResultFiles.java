package dev.videoworker.simulator;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.vertx.ext.web.RoutingContext;

/**
 * Result URLs that need no key, as Together's signed URLs and relays' CDN links: {@value #ROUTE} with a token that
 * only this instance can make (an HMAC of the video id under a random secret), outside the authenticated prefixes.
 */
final class ResultFiles {

    static final String ROUTE = "/files/:video_id/video.mp4";

    private final byte[] secret = new byte[32];
    /** {@code scheme://host:port} of the result URLs; null: the origin the client called. */
    private final String base;

    /** @param base origin of result URLs ({@code simulator.result-base-url}); null: the caller's own */
    ResultFiles(String base) {
        new SecureRandom().nextBytes(secret);
        this.base = base == null || base.isBlank() ? null : base.replaceAll("/+$", "");
    }

    /** The download URL of {@code videoId}, on {@code origin} unless a base is configured. */
    String url(String origin, String videoId) {
        return (base != null ? base : origin) + "/files/" + URLEncoder.encode(videoId, StandardCharsets.UTF_8)
                + "/video.mp4?token=" + token(videoId);
    }

    /** Lets the download through with the video's own token; anything else is a 404, as for an unknown file. */
    void check(RoutingContext ctx) {
        String id = ctx.pathParam("video_id");
        String presented = ctx.queryParams().get("token");
        if (presented == null || !MessageDigest.isEqual(token(id).getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII))) {
            ctx.fail(new VideoApiException(404, "No such file.", "invalid_request_error", null, "not_found"));
            return;
        }
        ctx.next();
    }

    private String token(String videoId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(videoId.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}

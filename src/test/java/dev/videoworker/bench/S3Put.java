package dev.videoworker.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cheapest correct S3 PUT the raw baseline can send: one request signed with AWS Signature Version 4, the payload
 * either declared {@code UNSIGNED-PAYLOAD} (the server skips hashing it) or given a SHA-256 computed once by the
 * caller for a body it sends many times. Nothing else is hashed or copied per request, unlike an SDK's high-level PUT.
 */
final class S3Put {

    /** The payload hash a SigV4 request declares when the body is not signed. */
    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final String region;

    S3Put(URI endpoint, String accessKey, String secretKey, String region) {
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.region = region;
    }

    /** A signed {@code PUT /bucket/key} with {@code body}; {@code payloadHash} is its hex SHA-256 or unsigned. */
    HttpRequest put(String bucket, String key, byte[] body, String payloadHash, Instant now) {
        String path = "/" + bucket + "/" + key;
        String amzDate = STAMP.format(now);
        String authorization = authorization("PUT", path, payloadHash, amzDate);
        return HttpRequest.newBuilder(endpoint.resolve(path))
                .header("x-amz-date", amzDate)
                .header("x-amz-content-sha256", payloadHash)
                .header("Authorization", authorization)
                .header("Content-Type", "video/mp4")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    /**
     * The {@code Authorization} header of a request to {@code path} (already URI-safe: letters, digits, {@code -._/})
     * without a query, signing {@code host}, {@code x-amz-content-sha256} and {@code x-amz-date}.
     */
    String authorization(String method, String path, String payloadHash, String amzDate) {
        String date = amzDate.substring(0, 8);
        String scope = date + "/" + region + "/s3/aws4_request";
        String signedHeaders = "host;x-amz-content-sha256;x-amz-date";
        String canonicalRequest = method + "\n" + path + "\n\n"
                + "host:" + endpoint.getAuthority() + "\n"
                + "x-amz-content-sha256:" + payloadHash + "\n"
                + "x-amz-date:" + amzDate + "\n\n"
                + signedHeaders + "\n" + payloadHash;
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        String signature = HexFormat.of().formatHex(hmac(key, stringToSign));
        return "AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope + ", SignedHeaders=" + signedHeaders
                + ", Signature=" + signature;
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

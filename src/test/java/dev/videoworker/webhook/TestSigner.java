package dev.videoworker.webhook;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Standard Webhooks signing written out with {@link Mac} in the test, independent of the code under test. */
final class TestSigner {

    private TestSigner() {
    }

    /** {@code whsec_} followed by the base64 of an obviously fake key text. */
    static String secret(String fakeKeyText) {
        return "whsec_" + Base64.getEncoder().encodeToString(fakeKeyText.getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">} under {@code secret}. */
    static String v1(String secret, String id, long timestamp, String body) {
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] signed = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(signed);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A {@code video.completed} (or other type) event as the provider sends it. */
    static String event(String eventId, String type, String videoId) {
        return "{\"id\":\"" + eventId + "\",\"object\":\"event\",\"created_at\":" + (System.currentTimeMillis() / 1000)
                + ",\"type\":\"" + type + "\",\"data\":{\"id\":\"" + videoId + "\"}}";
    }
}

package dev.videoworker.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.videoworker.simulator.WebhookTarget;

/** The signature check on its own: known vectors, tolerance, malformed headers, rotation, replay memory. */
class WebhookVerifierTest {

    static final String SECRET = TestSigner.secret("FAKE-unit-test-webhook-key");
    static final String OTHER = TestSigner.secret("FAKE-some-other-webhook-key");
    static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L);
    static final String ID = "evt_0123456789";
    static final String BODY = "{\"type\":\"video.completed\",\"data\":{\"id\":\"video_1\"}}";
    static final long TS = NOW.getEpochSecond();

    final WebhookVerifier verifier = new WebhookVerifier(List.of(SECRET), Duration.ofSeconds(300));

    private Instant verify(String id, String timestamp, String signature, String body) throws WebhookRejected {
        return verifier.verify(id, timestamp, signature, body.getBytes(StandardCharsets.UTF_8), NOW);
    }

    @Test
    void signsLikeAnHmacComputedIndependently() throws Exception {
        String expected = TestSigner.v1(SECRET, ID, TS, BODY);
        byte[] key = WebhookVerifier.key(SECRET, 1);
        assertThat("v1," + WebhookVerifier.sign(key, ID, String.valueOf(TS), BODY.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(expected);
        assertThat(verify(ID, String.valueOf(TS), expected, BODY)).isEqualTo(NOW);
    }

    @Test
    void matchesTheStandardWebhooksExampleVector() throws Exception {
        // the example message of the Standard Webhooks / Svix documentation
        WebhookVerifier example = new WebhookVerifier(List.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                Duration.ofSeconds(300));
        Instant sent = Instant.ofEpochSecond(1614265330L);
        assertThat(example.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8), sent)).isEqualTo(sent);
    }

    @Test
    void acceptsTheSimulatorsSignature() throws Exception {
        WebhookTarget simulator = new WebhookTarget(URI.create("http://127.0.0.1:1/webhooks/videos"), SECRET);
        String signature = simulator.signature(ID, TS, BODY.getBytes(StandardCharsets.UTF_8));
        assertThat(signature).isEqualTo(TestSigner.v1(SECRET, ID, TS, BODY));
        assertThat(verify(ID, String.valueOf(TS), signature, BODY)).isEqualTo(NOW);
        assertThat(simulator.toString()).doesNotContain(SECRET.substring(6));
    }

    @Test
    void refusesAnotherSecretsSignatureAndATamperedBody() {
        assertThatThrownBy(() -> verify(ID, String.valueOf(TS), TestSigner.v1(OTHER, ID, TS, BODY), BODY))
                .isInstanceOf(WebhookRejected.class).hasMessageContaining("matches");
        assertThatThrownBy(() -> verify(ID, String.valueOf(TS), TestSigner.v1(SECRET, ID, TS, BODY), BODY + " "))
                .isInstanceOf(WebhookRejected.class);
        assertThatThrownBy(() -> verify("evt_other", String.valueOf(TS), TestSigner.v1(SECRET, ID, TS, BODY), BODY))
                .isInstanceOf(WebhookRejected.class);
    }

    @Test
    void acceptsTimestampsWithinTheToleranceEitherWayOnly() throws Exception {
        for (long offset : new long[] {-300, 300}) {
            long ts = TS + offset;
            verify(ID, String.valueOf(ts), TestSigner.v1(SECRET, ID, ts, BODY), BODY);
        }
        for (long offset : new long[] {-301, 301, -86_400}) {
            long ts = TS + offset;
            assertThatThrownBy(() -> verify(ID, String.valueOf(ts), TestSigner.v1(SECRET, ID, ts, BODY), BODY))
                    .as("offset %d", offset).isInstanceOf(WebhookRejected.class).hasMessageContaining("tolerance");
        }
    }

    @Test
    void refusesMissingAndMalformedHeaders() {
        String good = TestSigner.v1(SECRET, ID, TS, BODY);
        String ts = String.valueOf(TS);
        assertRejected(null, ts, good);
        assertRejected("", ts, good);
        assertRejected("x".repeat(WebhookVerifier.MAX_ID_LENGTH + 1), ts, good);
        assertRejected(ID, null, good);
        assertRejected(ID, "2026-11-25T10:00:00Z", good);
        assertRejected(ID, "-5", good);
        assertRejected(ID, ts, null);
        assertRejected(ID, ts, "");
        assertRejected(ID, ts, good.substring(3));
        assertRejected(ID, ts, "v2," + good.substring(3));
        assertRejected(ID, ts, "v1,not*base64!");
        assertRejected(ID, ts, "v1," + good.substring(3, 20));
    }

    private void assertRejected(String id, String timestamp, String signature) {
        assertThatThrownBy(() -> verify(id, timestamp, signature, BODY)).isInstanceOf(WebhookRejected.class);
    }

    @Test
    void acceptsWhenAnyOneOfSeveralSignaturesMatches() throws Exception {
        String good = TestSigner.v1(SECRET, ID, TS, BODY);
        String wrong = TestSigner.v1(OTHER, ID, TS, BODY);
        verify(ID, String.valueOf(TS), "v1,bad*base64 " + wrong + "  v1a,ignored " + good, BODY);
    }

    @Test
    void acceptsEverySecretOfARotation() throws Exception {
        WebhookVerifier rotating = new WebhookVerifier(List.of(OTHER, SECRET), Duration.ofSeconds(300));
        for (String secret : List.of(OTHER, SECRET)) {
            rotating.verify(ID, String.valueOf(TS), TestSigner.v1(secret, ID, TS, BODY),
                    BODY.getBytes(StandardCharsets.UTF_8), NOW);
        }
    }

    @Test
    void refusesABadSecretWithoutShowingIt() {
        String bad = "whsec_FAKE*not*base64*value";
        assertThatThrownBy(() -> new WebhookVerifier(List.of(SECRET, bad), Duration.ofSeconds(300)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret 2")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("FAKE"));
    }

    @Test
    void remembersIdsUntilTheyLeaveTheWindowWithinBoundedMemory() {
        SeenWebhookIds seen = new SeenWebhookIds(3);
        Instant until = NOW.plusSeconds(300);
        assertThat(seen.firstTime("a", until, NOW)).isTrue();
        assertThat(seen.firstTime("a", until, NOW.plusSeconds(299))).isFalse();
        assertThat(seen.firstTime("a", until.plusSeconds(300), NOW.plusSeconds(300))).as("forgotten").isTrue();
        for (String id : List.of("b", "c", "d", "e")) {
            assertThat(seen.firstTime(id, until.plusSeconds(300), NOW.plusSeconds(300))).isTrue();
        }
        assertThat(seen.size()).isEqualTo(3);
        assertThat(seen.firstTime("e", until.plusSeconds(300), NOW.plusSeconds(301))).isFalse();
    }
}

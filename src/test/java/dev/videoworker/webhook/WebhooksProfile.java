package dev.videoworker.webhook;

import java.util.Map;

import dev.videoworker.testing.IsolatedTopics;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * Webhooks on: two secrets (a rotation), the embedded simulator signing with the current one and posting to the
 * worker's own endpoint, and polls a minute apart (interval, min- and max-interval), so a job finished within seconds was moved on by its
 * webhook. Own topics, so no other test's job is rebuilt here.
 */
public class WebhooksProfile implements QuarkusTestProfile {

    static final IsolatedTopics TOPICS = new IsolatedTopics("webhooks-test");
    static final String CURRENT_SECRET = TestSigner.secret("FAKE-webhook-key-current");
    static final String PREVIOUS_SECRET = TestSigner.secret("FAKE-webhook-key-previous");
    static final String POLL_INTERVAL = "60s";

    @Override
    public Map<String, String> getConfigOverrides() {
        return TOPICS.config(Map.of(
                "worker.poll.interval", POLL_INTERVAL,
                "%test.worker.poll.interval", POLL_INTERVAL,
                "%test.worker.poll.min-interval", POLL_INTERVAL,
                "%test.worker.poll.max-interval", POLL_INTERVAL,
                "worker.webhooks.secret", PREVIOUS_SECRET + "," + CURRENT_SECRET,
                "simulator.webhook-url", "${worker.provider.base-url}" + WebhookEndpoint.PATH,
                "simulator.webhook-secret", CURRENT_SECRET));
    }
}

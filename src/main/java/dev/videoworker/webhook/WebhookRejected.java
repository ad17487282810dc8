package dev.videoworker.webhook;

/** A webhook whose headers or signature do not check out; the message names the reason, never a secret. */
public final class WebhookRejected extends Exception {

    public WebhookRejected(String reason) {
        super(reason, null, false, false);
    }
}

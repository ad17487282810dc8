package dev.videoworker.provider;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * What the last calls to the Videos API said about it: answering, refusing the key, or not answering at all. Fed by
 * every call the client makes; read by the readiness check.
 */
@ApplicationScoped
public class ProviderHealth {

    /** The provider as last seen. */
    public enum State { UNKNOWN, ANSWERING, KEY_REFUSED, UNREACHABLE }

    private volatile State state = State.UNKNOWN;
    private volatile Instant lastAnswer = Instant.MIN;

    /** One call ended: {@code failure} null for a 2xx answer. */
    public void called(Throwable failure) {
        if (failure instanceof ProviderException p && p.httpStatus() > 0) {
            lastAnswer = Instant.now();
            state = p.httpStatus() == 401 || p.httpStatus() == 403 ? State.KEY_REFUSED : State.ANSWERING;
        } else if (failure == null) {
            lastAnswer = Instant.now();
            state = State.ANSWERING;
        } else {
            state = State.UNREACHABLE;
        }
    }

    public State state() {
        return state;
    }

    /** When the provider last answered with an HTTP status (any), {@link Instant#MIN} if never. */
    public Instant lastAnswer() {
        return lastAnswer;
    }
}

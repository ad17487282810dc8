package dev.videoworker.webhook;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Webhook ids already handled, each remembered until its signed timestamp leaves the tolerance window (after that a
 * replay fails the timestamp check anyway). Memory is bounded: beyond {@code capacity} ids the oldest are forgotten.
 */
final class SeenWebhookIds {

    private final int capacity;
    /** Insertion order, which is nearly expiry order. Guarded by {@code this}. */
    private final LinkedHashMap<String, Instant> forgetAt = new LinkedHashMap<>();

    SeenWebhookIds(int capacity) {
        this.capacity = capacity;
    }

    /** Records {@code id} until {@code until}; false when it was already recorded and not yet forgotten. */
    synchronized boolean firstTime(String id, Instant until, Instant now) {
        dropExpiredHead(now);
        Instant known = forgetAt.get(id);
        if (known != null && known.isAfter(now)) {
            return false;
        }
        forgetAt.remove(id);
        forgetAt.put(id, until);
        if (forgetAt.size() > capacity) {
            forgetAt.values().removeIf(t -> !t.isAfter(now));
            Iterator<String> oldest = forgetAt.keySet().iterator();
            while (forgetAt.size() > capacity && oldest.hasNext()) {
                oldest.next();
                oldest.remove();
            }
        }
        return true;
    }

    /** Forgets {@code id}: a delivery that was not handled after all (it may be handled when it comes again). */
    synchronized void forget(String id) {
        forgetAt.remove(id);
    }

    synchronized int size() {
        return forgetAt.size();
    }

    private void dropExpiredHead(Instant now) {
        Iterator<Map.Entry<String, Instant>> it = forgetAt.entrySet().iterator();
        while (it.hasNext()) {
            if (it.next().getValue().isAfter(now)) {
                return;
            }
            it.remove();
        }
    }
}

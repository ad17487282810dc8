package dev.videoworker.job;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One instance of each equal value for everyone who holds one (model names, prices, charged amounts that jobs
 * repeat), bounded: beyond {@code max} distinct values, a new value is returned as given and not kept, so values a
 * client chose cannot fill it. Thread-safe.
 */
public final class SharedValues<T> {

    private final Map<T, T> known = new ConcurrentHashMap<>();
    private final int max;

    public SharedValues(int max) {
        this.max = max;
    }

    /** The instance held for values equal to {@code value} (null for null); {@code value} itself when new. */
    public T of(T value) {
        if (value == null) {
            return null;
        }
        T held = known.get(value);
        if (held != null) {
            return held;
        }
        if (known.size() < max) {
            T first = known.putIfAbsent(value, value);
            return first == null ? value : first;
        }
        return value;
    }
}

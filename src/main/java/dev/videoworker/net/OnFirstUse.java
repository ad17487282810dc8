package dev.videoworker.net;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value made the first time it is asked for, then the same one for every caller (thread-safe). For HTTP clients
 * whose construction loads the JDK's CA certificates and TLS context: about 0.2 s of a cold start's main thread each,
 * not needed before the first download that uses them (docs/benchmarks.md, start-up).
 */
public final class OnFirstUse<T> implements Supplier<T> {

    private final Supplier<? extends T> make;
    private volatile T value;

    private OnFirstUse(Supplier<? extends T> make) {
        this.make = make;
    }

    public static <T> OnFirstUse<T> of(Supplier<? extends T> make) {
        return new OnFirstUse<>(Objects.requireNonNull(make, "make"));
    }

    /** The value, made by this call if no call made it before. */
    @Override
    public T get() {
        T v = value;
        if (v == null) {
            synchronized (this) {
                v = value;
                if (v == null) {
                    v = Objects.requireNonNull(make.get(), "made a null value");
                    value = v;
                }
            }
        }
        return v;
    }

    /** Whether the value was made (by an earlier {@link #get}). */
    public boolean made() {
        return value != null;
    }
}

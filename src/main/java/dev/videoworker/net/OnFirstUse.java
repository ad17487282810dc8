package dev.videoworker.net;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value made the first time it is asked for, then the same one for every caller (thread-safe; a failure is thrown to
 * its caller and the next call tries again). For HTTP clients whose construction loads the JDK's CA certificates and
 * a TLS context (an {@code OkHttpClient} that may speak TLS; a JDK {@code HttpClient} took ~0.17 s cold), not needed
 * before the first download that uses them
 * (docs/decisions.md, "HTTP clients are made when first used").
 */
public final class OnFirstUse<T> implements Supplier<T> {

    private final Object lock = new Object();
    /** Null once the value is made (nothing it captured is kept). Guarded by {@link #lock}. */
    private Supplier<? extends T> make;
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
            synchronized (lock) {
                v = value;
                if (v == null) {
                    v = Objects.requireNonNull(make.get(), "made a null value");
                    value = v;
                    make = null;
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

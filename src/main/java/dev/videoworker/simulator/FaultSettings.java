package dev.videoworker.simulator;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * How often the simulator injects each {@link Fault} into API calls ({@code simulator.faults.*}). Every call draws
 * once: the faults that can hit its endpoint share the interval [0, 1) in the order of {@link Fault}, each with its
 * rate, so the rates must add up to at most 1.
 *
 * @param rates                 per fault, the share of calls it hits (0 to 1); faults not named have 0
 * @param stallDuration         how long a stalled call gets no answer before its connection is closed; meant to be
 *                              longer than the client's read timeout
 * @param slowContentDuration   how long a slowed content download takes
 * @param expireRate            share of jobs whose content expires {@code expireAfterCompletion} after completion
 *                              instead of {@code simulator.expires-after}
 * @param expireAfterCompletion the short expiry of those jobs
 * @param retryAfter            sent as {@code Retry-After} (whole seconds, at least 1) and {@code retry-after-ms}
 *                              with a 429 or 503
 * @param seed                  seed of the draws, for a reproducible sequence of faults; empty picks one at random
 */
public record FaultSettings(
        Map<Fault, Double> rates,
        Duration stallDuration,
        Duration slowContentDuration,
        double expireRate,
        Duration expireAfterCompletion,
        Duration retryAfter,
        OptionalLong seed) {

    public static final Duration DEFAULT_STALL_DURATION = Duration.ofSeconds(90);
    public static final Duration DEFAULT_SLOW_CONTENT_DURATION = Duration.ofSeconds(10);
    public static final Duration DEFAULT_EXPIRE_AFTER_COMPLETION = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    /** Tolerates rounding when rates such as 0.1 + 0.2 + 0.7 are added. */
    private static final double EPSILON = 1e-9;

    public FaultSettings {
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(stallDuration, "stallDuration");
        Objects.requireNonNull(slowContentDuration, "slowContentDuration");
        Objects.requireNonNull(expireAfterCompletion, "expireAfterCompletion");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(seed, "seed");
        EnumMap<Fault, Double> copy = new EnumMap<>(Fault.class);
        double sum = 0;
        for (Fault fault : Fault.values()) {
            double rate = rates.getOrDefault(fault, 0.0);
            checkRate(key(fault), rate);
            copy.put(fault, rate);
            sum += rate;
        }
        if (sum > 1.0 + EPSILON) {
            throw new IllegalArgumentException("simulator.faults.*-rate must add up to at most 1, got " + sum);
        }
        rates = Map.copyOf(copy);
        checkRate("expire-rate", expireRate);
        for (Duration d : new Duration[] {stallDuration, slowContentDuration, expireAfterCompletion, retryAfter}) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("simulator.faults durations must not be negative, got " + d);
            }
        }
    }

    private static void checkRate(String key, double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException("simulator.faults." + key + " must be in [0, 1], got " + rate);
        }
    }

    /** No faults at all. */
    public static FaultSettings none() {
        return new FaultSettings(Map.of(), DEFAULT_STALL_DURATION, DEFAULT_SLOW_CONTENT_DURATION, 0.0,
                DEFAULT_EXPIRE_AFTER_COMPLETION, DEFAULT_RETRY_AFTER, OptionalLong.empty());
    }

    /** The key of a fault's rate without the {@code simulator.faults.} prefix, e.g. {@code reset-rate}. */
    public static String key(Fault fault) {
        return fault.name().toLowerCase(Locale.ROOT).replace('_', '-') + "-rate";
    }

    public double rate(Fault fault) {
        return rates.get(fault);
    }

    /** Whether any call can be hit at all (so the simulator need not draw). */
    public boolean anyCallFaults() {
        return rates.values().stream().anyMatch(rate -> rate > 0);
    }

    /**
     * Reads the settings through {@code lookup}, which receives keys such as {@code faults.reset-rate} (without the
     * {@code simulator.} prefix) and answers null when a key is not set.
     */
    public static FaultSettings fromLookup(Function<String, String> lookup) {
        FaultSettings defaults = none();
        EnumMap<Fault, Double> rates = new EnumMap<>(Fault.class);
        for (Fault fault : Fault.values()) {
            Optional.ofNullable(lookup.apply("faults." + key(fault))).map(String::trim).map(Double::parseDouble)
                    .ifPresent(rate -> rates.put(fault, rate));
        }
        return new FaultSettings(rates,
                duration(lookup, "faults.stall-duration", defaults.stallDuration()),
                duration(lookup, "faults.slow-content-duration", defaults.slowContentDuration()),
                Optional.ofNullable(lookup.apply("faults.expire-rate")).map(String::trim).map(Double::parseDouble)
                        .orElse(0.0),
                duration(lookup, "faults.expire-after-completion", defaults.expireAfterCompletion()),
                duration(lookup, "faults.retry-after", defaults.retryAfter()),
                Optional.ofNullable(lookup.apply("faults.seed")).filter(s -> !s.isBlank())
                        .map(s -> OptionalLong.of(Long.parseLong(s.trim()))).orElse(OptionalLong.empty()));
    }

    private static Duration duration(Function<String, String> lookup, String key, Duration fallback) {
        return Optional.ofNullable(lookup.apply(key)).map(SimulatorSettings::parseDuration).orElse(fallback);
    }

    public FaultSettings withRate(Fault fault, double rate) {
        EnumMap<Fault, Double> changed = new EnumMap<>(rates);
        changed.put(fault, rate);
        return new FaultSettings(changed, stallDuration, slowContentDuration, expireRate, expireAfterCompletion,
                retryAfter, seed);
    }

    public FaultSettings withStallDuration(Duration value) {
        return new FaultSettings(rates, value, slowContentDuration, expireRate, expireAfterCompletion, retryAfter,
                seed);
    }

    public FaultSettings withSlowContentDuration(Duration value) {
        return new FaultSettings(rates, stallDuration, value, expireRate, expireAfterCompletion, retryAfter, seed);
    }

    public FaultSettings withExpiry(double rate, Duration afterCompletion) {
        return new FaultSettings(rates, stallDuration, slowContentDuration, rate, afterCompletion, retryAfter, seed);
    }

    public FaultSettings withRetryAfter(Duration value) {
        return new FaultSettings(rates, stallDuration, slowContentDuration, expireRate, expireAfterCompletion, value,
                seed);
    }

    public FaultSettings withSeed(long value) {
        return new FaultSettings(rates, stallDuration, slowContentDuration, expireRate, expireAfterCompletion,
                retryAfter, OptionalLong.of(value));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("faults[");
        rates.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.comparingByKey())
                .forEach(e -> text.append(key(e.getKey())).append('=').append(e.getValue()).append(", "));
        if (expireRate > 0) {
            text.append("expire-rate=").append(expireRate).append(" (after ").append(expireAfterCompletion)
                    .append("), ");
        }
        return text.append("stall=").append(stallDuration).append(", slow-content=").append(slowContentDuration)
                .append(", retry-after=").append(retryAfter).append(", seed=")
                .append(seed.isPresent() ? String.valueOf(seed.getAsLong()) : "random").append(']').toString();
    }
}

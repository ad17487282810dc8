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
 * How often the simulator injects each {@link Fault} into API calls ({@code simulator.faults.*}), and how a lagging
 * provider lists its videos. Every call draws once: the faults that can hit its endpoint share the interval [0, 1) in
 * the order of {@link Fault}, each with its rate, so the rates must add up to at most 1.
 *
 * @param rates                 per fault, the share of calls it hits (0 to 1); faults not named have 0
 * @param stallDuration         how long a stalled call gets no answer before its connection is closed; meant to be
 *                              longer than the client's read timeout
 * @param createStallDuration   how long a create hit by {@link Fault#CREATE_STALL} holds its answer back
 * @param slowContentDuration   how long a slowed content download takes
 * @param expireRate            share of jobs whose content expires {@code expireAfterCompletion} after completion
 *                              instead of {@code simulator.expires-after}
 * @param expireAfterCompletion the short expiry of those jobs
 * @param retryAfter            sent as {@code Retry-After} (whole seconds, at least 1) and {@code retry-after-ms}
 *                              with a 429 or 503
 * @param listLag               a video created from now on appears in {@code GET /v1/videos} only this long after
 *                              its creation (retrieve finds it at once), as with an eventually consistent list
 * @param listOmitsPrompt       list entries leave out {@code prompt} (retrieve still has it)
 * @param seed                  seed of the draws, for a reproducible sequence of faults; empty picks one at random
 */
public record FaultSettings(
        Map<Fault, Double> rates,
        Duration stallDuration,
        Duration createStallDuration,
        Duration slowContentDuration,
        double expireRate,
        Duration expireAfterCompletion,
        Duration retryAfter,
        Duration listLag,
        boolean listOmitsPrompt,
        OptionalLong seed) {

    public static final Duration DEFAULT_STALL_DURATION = Duration.ofSeconds(90);
    public static final Duration DEFAULT_CREATE_STALL_DURATION = DEFAULT_STALL_DURATION;
    public static final Duration DEFAULT_SLOW_CONTENT_DURATION = Duration.ofSeconds(10);
    public static final Duration DEFAULT_EXPIRE_AFTER_COMPLETION = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    /** Tolerates rounding when rates such as 0.1 + 0.2 + 0.7 are added. */
    private static final double EPSILON = 1e-9;

    public FaultSettings {
        Objects.requireNonNull(rates, "rates");
        Objects.requireNonNull(stallDuration, "stallDuration");
        Objects.requireNonNull(createStallDuration, "createStallDuration");
        Objects.requireNonNull(slowContentDuration, "slowContentDuration");
        Objects.requireNonNull(expireAfterCompletion, "expireAfterCompletion");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(listLag, "listLag");
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
        for (Duration d : new Duration[] {stallDuration, createStallDuration, slowContentDuration,
                expireAfterCompletion, retryAfter, listLag}) {
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
        return new FaultSettings(Map.of(), DEFAULT_STALL_DURATION, DEFAULT_CREATE_STALL_DURATION,
                DEFAULT_SLOW_CONTENT_DURATION, 0.0, DEFAULT_EXPIRE_AFTER_COMPLETION, DEFAULT_RETRY_AFTER,
                Duration.ZERO, false, OptionalLong.empty());
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

    /** Whether anything differs from a well-behaved provider, so that it is worth a log line. */
    public boolean anyFaults() {
        return anyCallFaults() || expireRate > 0 || !listLag.isZero() || listOmitsPrompt;
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
                duration(lookup, "faults.create-stall-duration", defaults.createStallDuration()),
                duration(lookup, "faults.slow-content-duration", defaults.slowContentDuration()),
                Optional.ofNullable(lookup.apply("faults.expire-rate")).map(String::trim).map(Double::parseDouble)
                        .orElse(0.0),
                duration(lookup, "faults.expire-after-completion", defaults.expireAfterCompletion()),
                duration(lookup, "faults.retry-after", defaults.retryAfter()),
                duration(lookup, "faults.list-lag", defaults.listLag()),
                Optional.ofNullable(lookup.apply("faults.list-omits-prompt")).map(String::trim)
                        .map(Boolean::parseBoolean).orElse(false),
                Optional.ofNullable(lookup.apply("faults.seed")).filter(s -> !s.isBlank())
                        .map(s -> OptionalLong.of(Long.parseLong(s.trim()))).orElse(OptionalLong.empty()));
    }

    private static Duration duration(Function<String, String> lookup, String key, Duration fallback) {
        return Optional.ofNullable(lookup.apply(key)).map(SimulatorSettings::parseDuration).orElse(fallback);
    }

    public FaultSettings withRate(Fault fault, double rate) {
        EnumMap<Fault, Double> changed = new EnumMap<>(rates);
        changed.put(fault, rate);
        return new FaultSettings(changed, stallDuration, createStallDuration, slowContentDuration, expireRate,
                expireAfterCompletion, retryAfter, listLag, listOmitsPrompt, seed);
    }

    public FaultSettings withStallDuration(Duration value) {
        return new FaultSettings(rates, value, createStallDuration, slowContentDuration, expireRate,
                expireAfterCompletion, retryAfter, listLag, listOmitsPrompt, seed);
    }

    public FaultSettings withCreateStallDuration(Duration value) {
        return new FaultSettings(rates, stallDuration, value, slowContentDuration, expireRate, expireAfterCompletion,
                retryAfter, listLag, listOmitsPrompt, seed);
    }

    public FaultSettings withSlowContentDuration(Duration value) {
        return new FaultSettings(rates, stallDuration, createStallDuration, value, expireRate, expireAfterCompletion,
                retryAfter, listLag, listOmitsPrompt, seed);
    }

    public FaultSettings withExpiry(double rate, Duration afterCompletion) {
        return new FaultSettings(rates, stallDuration, createStallDuration, slowContentDuration, rate, afterCompletion,
                retryAfter, listLag, listOmitsPrompt, seed);
    }

    public FaultSettings withRetryAfter(Duration value) {
        return new FaultSettings(rates, stallDuration, createStallDuration, slowContentDuration, expireRate,
                expireAfterCompletion, value, listLag, listOmitsPrompt, seed);
    }

    /** Videos created from now on appear in the list only {@code value} after their creation. */
    public FaultSettings withListLag(Duration value) {
        return new FaultSettings(rates, stallDuration, createStallDuration, slowContentDuration, expireRate,
                expireAfterCompletion, retryAfter, value, listOmitsPrompt, seed);
    }

    /** List entries leave out {@code prompt} from now on (whenever they were created). */
    public FaultSettings withListOmitsPrompt(boolean value) {
        return new FaultSettings(rates, stallDuration, createStallDuration, slowContentDuration, expireRate,
                expireAfterCompletion, retryAfter, listLag, value, seed);
    }

    public FaultSettings withSeed(long value) {
        return new FaultSettings(rates, stallDuration, createStallDuration, slowContentDuration, expireRate,
                expireAfterCompletion, retryAfter, listLag, listOmitsPrompt, OptionalLong.of(value));
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
        if (!listLag.isZero()) {
            text.append("list-lag=").append(listLag).append(", ");
        }
        if (listOmitsPrompt) {
            text.append("list-omits-prompt, ");
        }
        return text.append("stall=").append(stallDuration).append(", create-stall=").append(createStallDuration)
                .append(", slow-content=").append(slowContentDuration)
                .append(", retry-after=").append(retryAfter).append(", seed=")
                .append(seed.isPresent() ? String.valueOf(seed.getAsLong()) : "random").append(']').toString();
    }
}

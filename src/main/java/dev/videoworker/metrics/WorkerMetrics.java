package dev.videoworker.metrics;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.videoworker.job.JobState;
import dev.videoworker.job.JobStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The worker's own metrics (Prometheus format at {@code /q/metrics}; the README lists them). Tags carry only
 * bounded values: outcome, error code, status, call name; never a job id, a prompt or anything secret.
 */
@ApplicationScoped
public class WorkerMetrics {

    private final MeterRegistry registry;
    /** Registered up front: polls come from several threads, and the map is then only read. */
    private final Map<JobStatus, Counter> polls = new EnumMap<>(JobStatus.class);
    /**
     * The meters of each tag combination, registered on first use and then found here: building and registering a
     * meter for every call (a builder, a meter id, a lookup, a percentile configuration checked) cost more than the
     * recording. Tags are bounded (see the class comment), so are these maps.
     */
    private final Map<List<String>, Timer> providerCalls = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> ended = new ConcurrentHashMap<>();
    private volatile Counter storedBytes;

    @Inject
    public WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (JobStatus status : JobStatus.values()) {
            if (status.generating()) {
                polls.put(status, Counter.builder("worker.polls").tag("state", status.wireName())
                        .description("Polls of generating jobs, by the job's state before the poll")
                        .register(registry));
            }
        }
    }

    /**
     * The gauge of jobs in flight, one series per non-terminal state; {@code count} tells how many jobs of this
     * replica's partitions are in a state (registered by the job store's owner, which the metrics do not know).
     */
    public void jobsInFlight(ToDoubleFunction<JobStatus> count) {
        for (JobStatus status : JobStatus.values()) {
            if (!status.terminal() && status != JobStatus.ACCEPTED) {
                Gauge.builder("worker.jobs.in.flight", () -> count.applyAsDouble(status))
                        .tag("state", status.wireName())
                        .description("Jobs of this replica's partitions in this state").register(registry);
            }
        }
    }

    /** The gauges of the job index: jobs held, ended jobs known by id only, estimated bytes. */
    public void jobIndex(IntSupplier held, IntSupplier evicted, LongSupplier bytes) {
        Gauge.builder("worker.jobs.index.held", held::getAsInt)
                .description("Jobs in this replica's in-memory index").register(registry);
        Gauge.builder("worker.jobs.index.evicted", evicted::getAsInt)
                .description("Ended jobs that left the index (known by id, status and version only)")
                .register(registry);
        Gauge.builder("worker.jobs.index.bytes", bytes::getAsLong).baseUnit("bytes")
                .description("Estimated heap bytes of the job index").register(registry);
    }

    /** A job reached a terminal state: counted by outcome and error code. */
    public void ended(JobState job) {
        String outcome = outcome(job.status());
        String code = job.error() == null ? "none" : boundedCode(job.error().code());
        ended.computeIfAbsent(List.of(outcome, code), k -> Counter.builder("worker.jobs.completed")
                .tag("outcome", outcome).tag("code", code)
                .description("Jobs that ended, by outcome and error code").register(registry)).increment();
    }

    /**
     * One call to a provider's API, from the request to the answer (or the failure); {@code provider} is the
     * configured provider's name, {@code status} {@code ok}, the answer's HTTP status, or {@code io_error}.
     */
    public void providerCall(String provider, String call, String status, long startedNanos) {
        providerCalls.computeIfAbsent(List.of(provider, call, status), k -> Timer.builder("worker.provider.calls")
                .tag("provider", provider).tag("call", call).tag("status", status)
                .description("Calls to the provider's Videos API by call and answer status (ok, HTTP status, "
                        + "io_error)")
                .publishPercentiles(0.5, 0.99)
                .register(registry)).record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
    }

    /** A poll of a generating job. */
    public void polled(JobStatus status) {
        Counter counter = polls.get(status);
        if (counter != null) {
            counter.increment();
        }
    }

    /** Bytes written to the object store (videos and variants). */
    public void stored(long bytes) {
        Counter counter = storedBytes;
        if (counter == null) {
            // Registering twice from two threads gives the same counter.
            counter = Counter.builder("worker.storage.bytes").baseUnit("bytes")
                    .description("Bytes stored in the object store").register(registry);
            storedBytes = counter;
        }
        counter.increment(bytes);
    }

    static String outcome(JobStatus status) {
        return switch (status) {
            case STORED -> "succeeded";
            case FAILED -> "failed";
            case REJECTED -> "rejected";
            case CANCELLED -> "cancelled";
            default -> status.wireName();
        };
    }

    /** Error codes come from the worker or the provider; a provider could send anything, so keep the tag sane. */
    static String boundedCode(String code) {
        if (code == null || code.isBlank()) {
            return "unknown";
        }
        String clean = code.replaceAll("[^A-Za-z0-9_.-]", "_");
        return clean.length() > 64 ? clean.substring(0, 64) : clean;
    }
}

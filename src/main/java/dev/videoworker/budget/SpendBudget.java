package dev.videoworker.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.videoworker.catalog.ModelCatalog;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.journal.TopicSetup;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Estimated and actual spend, and the optional budget per sliding time window that stops jobs before they cost money.
 * <p>
 * A job is charged its estimated cost when it is about to be submitted, at the time of its submission; the charge is
 * given back only when the provider certainly made nothing (it refused the create call, or every reconciliation found
 * nothing), and replaced by the actual cost once the provider reports one ({@link #settled}). The actual cost is part
 * of the job's durable state, so a charge rebuilt from the journal is the actual one too, never the two added up.
 * Charges are kept per partition and rebuilt from the job journal with the partition, so they follow the jobs across
 * replicas without any coordination: a replica that owns {@code k} of the request topic's {@code P} partitions may
 * commit {@code k/P} of the limit, which keeps the sum over all replicas within it.
 */
@ApplicationScoped
public class SpendBudget {

    /** One job's charge against the budget. */
    record Charge(int partition, Instant at, BigDecimal usd) {
    }

    private final Optional<BigDecimal> limit;
    private final Duration window;
    private final IntSupplier topicPartitions;
    private final Clock clock;
    private final Map<String, Charge> charges = new HashMap<>();
    private final Set<Integer> owned = new HashSet<>();
    private final MeterRegistry registry;
    /** The spend counters by model (and provider), registered on first use: models are the catalog's, bounded. */
    private final Map<String, Counter> spend = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> actualSpend = new ConcurrentHashMap<>();

    @Inject
    public SpendBudget(WorkerConfig config, ModelCatalog catalog, TopicSetup topics, MeterRegistry registry) {
        this(config.budget(), catalog, topics::requestPartitions, registry, Clock.systemUTC());
    }

    SpendBudget(WorkerConfig.Budget config, ModelCatalog catalog, IntSupplier topicPartitions, MeterRegistry registry,
            Clock clock) {
        this.limit = config.limitUsd();
        this.window = config.window();
        this.topicPartitions = topicPartitions;
        this.registry = registry;
        this.clock = clock;
        if (limit.isPresent()) {
            if (limit.get().signum() < 0) {
                throw new IllegalArgumentException("worker.budget.limit-usd must not be negative");
            }
            if (!catalog.modelsWithoutPrice().isEmpty()) {
                throw new IllegalArgumentException("worker.budget.limit-usd is set but these models have no price "
                        + "for every size, so their jobs could not be counted: "
                        + String.join(", ", catalog.modelsWithoutPrice()) + ". Give them a price-per-second, "
                        + "price-per-second-by-size or price-per-clip.");
            }
            Gauge.builder("worker.budget.limit", this, b -> b.allowance().doubleValue()).baseUnit("usd")
                    .description("Spend this replica may commit per window: its partitions' share of the budget")
                    .register(registry);
        }
        Gauge.builder("worker.budget.window.spend", this, b -> b.spentInWindow().doubleValue()).baseUnit("usd")
                .description("Spend (actual where the provider reported it, else estimated) of the jobs of this "
                        + "replica's partitions submitted within the window")
                .register(registry);
    }

    /**
     * Charges a job about to be submitted, or returns why the budget does not allow it. A job already charged (a
     * resubmission after a reconciliation) is not charged again.
     */
    public synchronized Optional<JobError> reserve(String jobId, int partition, BigDecimal cost) {
        if (charges.containsKey(jobId) || cost == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (limit.isPresent()) {
            BigDecimal allowance = allowance();
            BigDecimal spent = spentInWindow();
            if (spent.add(cost).compareTo(allowance) > 0) {
                return Optional.of(exceeded(cost, spent, allowance, now));
            }
        }
        charges.put(jobId, new Charge(partition, now, cost));
        return Optional.empty();
    }

    /** Gives a charge back: the provider certainly made nothing for this job. */
    public synchronized void refund(String jobId) {
        charges.remove(jobId);
    }

    /** Counts the estimated cost of a job whose video the provider made (the spend metric). */
    public void billed(JobState job) {
        if (job.costUsd() != null) {
            String model = job.request().model();
            spend.computeIfAbsent(model, m -> Counter.builder("worker.spend").baseUnit("usd").tag("model", m)
                    .description("Estimated spend on videos the provider accepted").register(registry))
                    .increment(job.costUsd().doubleValue());
        }
    }

    /**
     * A generated job whose provider reported what it cost: that amount replaces the job's charge (which keeps the
     * time of the submission) and is counted in the actual spend metric, by provider and model. Call it once per
     * committed transition that recorded the cost; the charge is keyed by job id, so a repeat replaces, never adds.
     */
    public void settled(JobState job, String provider) {
        BigDecimal actual = job.actualCostUsd();
        if (actual == null) {
            return;
        }
        synchronized (this) {
            Charge charge = charges.get(job.jobId());
            if (charge != null) {
                charges.put(job.jobId(), new Charge(charge.partition(), charge.at(), actual));
            } else if (owned.contains(job.partition())) {
                // not charged before (a model without a price): the actual cost counts from its submission
                Instant at = job.chargedAt();
                if (at != null && at.isAfter(clock.instant().minus(window))) {
                    charges.put(job.jobId(), new Charge(job.partition(), at, actual));
                }
            }
        }
        String model = job.request() == null ? "unknown" : job.request().model();
        actualSpend.computeIfAbsent(List.of(provider, model), k -> Counter.builder("worker.spend.actual")
                .baseUnit("usd").tag("provider", provider).tag("model", model)
                .description("Spend the providers reported for generated videos").register(registry))
                .increment(actual.doubleValue());
    }

    /** Takes over the charges of a partition rebuilt from the journal. */
    public synchronized void adopt(int partition, Collection<JobState> jobs) {
        owned.add(partition);
        Instant from = clock.instant().minus(window);
        for (JobState job : jobs) {
            Instant at = job.chargedAt();
            if (at != null && at.isAfter(from)) {
                charges.put(job.jobId(), new Charge(partition, at, job.chargedUsd()));
            }
        }
    }

    /** Forgets the charges of a partition this replica gave up; its next owner counts them. */
    public synchronized void release(int partition) {
        owned.remove(partition);
        charges.values().removeIf(c -> c.partition() == partition);
    }

    synchronized BigDecimal spentInWindow() {
        Instant from = clock.instant().minus(window);
        BigDecimal sum = BigDecimal.ZERO;
        for (Iterator<Charge> it = charges.values().iterator(); it.hasNext();) {
            Charge c = it.next();
            if (!c.at().isAfter(from)) {
                it.remove();
            } else {
                sum = sum.add(c.usd());
            }
        }
        return sum;
    }

    /** This replica's share of the limit: the fraction of the request topic's partitions it owns. */
    synchronized BigDecimal allowance() {
        BigDecimal full = limit.orElse(BigDecimal.ZERO);
        int total = topicPartitions.getAsInt();
        if (total <= 0 || owned.size() >= total) {
            return full;
        }
        return full.multiply(BigDecimal.valueOf(Math.max(1, owned.size())))
                .divide(BigDecimal.valueOf(total), 2, RoundingMode.DOWN);
    }

    private JobError exceeded(BigDecimal cost, BigDecimal spent, BigDecimal allowance, Instant now) {
        Instant frees = charges.values().stream().map(Charge::at).min(Instant::compareTo).map(t -> t.plus(window))
                .orElse(now);
        String share = allowance.compareTo(limit.orElseThrow()) < 0 ? " (this replica's share, for "
                + owned.size() + " of " + topicPartitions.getAsInt() + " partitions, of the budget of $"
                + limit.get().toPlainString() + ")" : "";
        return new JobError("budget_exceeded", "Estimated cost $" + cost.toPlainString() + " would take the spend "
                + "of the last " + window + " to $" + spent.add(cost).toPlainString() + ", over the budget of $"
                + allowance.toPlainString() + share + " (worker.budget.limit-usd). Nothing was submitted; the "
                + "oldest spend leaves the window at " + frees + ": send the job again after that, with a new job id.",
                null, true);
    }
}

package dev.videoworker.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;

/**
 * The models this worker accepts, their sizes, durations and prices; checks a request before any paid call.
 */
@ApplicationScoped
public class ModelCatalog {

    /** Durations of the retired legacy route, answered with a message that says so. */
    private static final List<String> LEGACY_SECONDS = List.of("10", "15");

    private final Map<String, WorkerConfig.Model> models;

    public ModelCatalog(WorkerConfig config) {
        this.models = new TreeMap<>(config.models());
    }

    public Optional<WorkerConfig.Model> model(String name) {
        return Optional.ofNullable(models.get(name));
    }

    public String defaultSize(String model) {
        return models.get(model).sizes().get(0);
    }

    /** Returns why the combination is not allowed, or empty when it is. */
    public Optional<JobError> check(String model, String size, String seconds, boolean hasInputReference) {
        WorkerConfig.Model spec = models.get(model);
        if (spec == null) {
            return Optional.of(JobError.field("unknown_model", "model",
                    "Unknown model '" + model + "'. Supported models: " + String.join(", ", models.keySet()) + "."));
        }
        if (!spec.sizes().contains(size)) {
            return Optional.of(JobError.field("unsupported_size", "size",
                    "Size '" + size + "' is not supported by model '" + model + "'. Supported sizes: "
                            + String.join(", ", spec.sizes()) + "."));
        }
        if (!spec.seconds().contains(seconds)) {
            if (LEGACY_SECONDS.contains(seconds)) {
                return Optional.of(JobError.field("legacy_seconds", "seconds",
                        "Duration " + seconds + " s belonged to the retired legacy route and is not available. "
                                + "Supported durations: " + String.join(", ", spec.seconds()) + " seconds."));
            }
            return Optional.of(JobError.field("unsupported_seconds", "seconds",
                    "Duration '" + seconds + "' is not supported by model '" + model + "'. Supported durations: "
                            + String.join(", ", spec.seconds()) + " seconds."));
        }
        if (hasInputReference && !spec.inputReference()) {
            return Optional.of(JobError.field("input_reference_not_supported", "inputReference",
                    "Model '" + model + "' does not accept an input reference image."));
        }
        return Optional.empty();
    }

    /** Whether every model has a price, so every job gets an estimated cost. */
    public List<String> modelsWithoutPrice() {
        return models.entrySet().stream().filter(e -> e.getValue().pricePerClip().isEmpty()
                && e.getValue().pricePerSecond().isEmpty()
                && !e.getValue().pricePerSecondBySize().keySet().containsAll(e.getValue().sizes()))
                .map(Map.Entry::getKey).toList();
    }

    /**
     * Estimated price of one clip in USD: the per-second price for its size, else the model's per-second price, else
     * its per-clip price; empty when the catalog has none.
     */
    public Optional<BigDecimal> estimateCost(String model, String size, String seconds) {
        WorkerConfig.Model spec = models.get(model);
        if (spec == null) {
            return Optional.empty();
        }
        BigDecimal perSecond = spec.pricePerSecondBySize().get(size);
        if (perSecond == null) {
            perSecond = spec.pricePerSecond().orElse(null);
        }
        if (perSecond == null) {
            return spec.pricePerClip().map(p -> p.setScale(2, RoundingMode.HALF_UP));
        }
        return Optional.of(perSecond.multiply(new BigDecimal(seconds)).setScale(2, RoundingMode.HALF_UP));
    }
}

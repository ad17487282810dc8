package dev.videoworker.catalog;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

/**
 * The catalog's gauges, one series per provider and model (both bounded by configuration):
 * {@code worker_model_retirement_days} (days until the provider retires the model, negative once retired; only for
 * models with a retirement date) and {@code worker_model_unavailable} (1 once the provider answered that it does not
 * have the model, on this replica).
 */
@ApplicationScoped
public class CatalogMetrics {

    void register(@Observes StartupEvent start, ModelCatalog catalog, MeterRegistry registry) {
        for (ModelCatalog.Offer offer : catalog.allOffers()) {
            if (offer.retiresOn() != null) {
                Gauge.builder("worker.model.retirement.days", () -> catalog.daysUntilRetirement(offer))
                        .tag("provider", offer.provider()).tag("model", offer.model())
                        .description("Days until the provider retires the model (negative: retired)")
                        .register(registry);
            }
            Gauge.builder("worker.model.unavailable", () -> catalog.unavailable(offer) ? 1 : 0)
                    .tag("provider", offer.provider()).tag("model", offer.model())
                    .description("1 once the provider answered that it does not have the model")
                    .register(registry);
        }
    }
}

package dev.videoworker.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.JobState;
import dev.videoworker.job.Route;
import dev.videoworker.job.SharedValues;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.provider.ProviderSettings;
import dev.videoworker.provider.Providers;
import dev.videoworker.provider.VideosClient;

/**
 * The models this worker accepts, over every configured provider: which providers offer each model (and under which
 * name there), its sizes, durations, prices and retirement date at each. Checks a request before any paid call and
 * chooses where it is made: the provider the request names, else the first provider (by priority, then
 * configuration order) that offers the model for the request's size, duration and image, has not retired it, has
 * not said it does not have it ({@link #markUnavailable}) and is not down.
 */
@ApplicationScoped
public class ModelCatalog {

    /** Durations of the retired legacy route, answered with a message that says so. */
    private static final List<String> LEGACY_SECONDS = List.of("10", "15");

    /** Estimated prices shared between the jobs that have them: at most this many distinct values are kept. */
    private static final int MAX_SHARED_PRICES = 4096;
    private static final SharedValues<BigDecimal> SHARED_PRICES = new SharedValues<>(MAX_SHARED_PRICES);

    /**
     * One provider's offer of one model; {@code route} is where a job it is chosen for goes (one instance, held by
     * every such job).
     */
    public record Offer(String provider, int priority, int order, String model, String providerModel,
            String keyName, WorkerConfig.Model spec, LocalDate retiresOn, boolean variants, Route route) {

        Offer(String provider, int priority, int order, String model, String providerModel, String keyName,
                WorkerConfig.Model spec, LocalDate retiresOn, boolean variants) {
            this(provider, priority, order, model, providerModel, keyName, spec, retiresOn, variants,
                    new Route(provider, providerModel, keyName));
        }

        /** Whether the provider has switched the model off by {@code day}. */
        public boolean retiredOn(LocalDate day) {
            return retiresOn != null && !day.isBefore(retiresOn);
        }

        boolean fits(String size, String seconds, boolean hasInputReference, boolean wantsVariants) {
            return spec.sizes().contains(size) && spec.seconds().contains(seconds)
                    && (!hasInputReference || spec.inputReference()) && (!wantsVariants || variants);
        }
    }

    /** Where a request goes, and what its status events say besides (a model retiring soon), or null. */
    public record Choice(Offer offer, String notice) {
    }

    /** Offers by catalog model name, best first. */
    private final Map<String, List<Offer>> offers = new TreeMap<>();
    private final Set<String> providers = new TreeSet<>();
    private final String defaultProvider;
    /** "provider/model" pairs the provider said it does not have (404 model_not_found), on this replica. */
    private final Set<String> unavailable = ConcurrentHashMap.newKeySet();
    private final Predicate<String> providerDown;
    private final Duration retirementNotice;
    private final Clock clock;

    @Inject
    public ModelCatalog(WorkerConfig config, Providers live) {
        // the providers as built (keys already read from their files), not the configuration read again
        this(live.all().stream().map(VideosClient::settings).toList(), config.catalog().retirementNotice(),
                live::down, Clock.systemUTC());
    }

    /** The catalog alone, every provider taken as up: for tests and tools. */
    public ModelCatalog(WorkerConfig config) {
        this(Providers.settings(config), config.catalog().retirementNotice(), p -> false, Clock.systemUTC());
    }

    public ModelCatalog(List<ProviderSettings> settings, Duration retirementNotice, Predicate<String> providerDown,
            Clock clock) {
        this.retirementNotice = retirementNotice;
        this.providerDown = providerDown;
        this.clock = clock;
        this.defaultProvider = settings.get(0).name();
        int order = 0;
        for (ProviderSettings p : settings) {
            providers.add(p.name());
            for (Map.Entry<String, WorkerConfig.Model> m : new TreeMap<>(p.models()).entrySet()) {
                String providerModel = m.getValue().providerModel().orElse(m.getKey());
                offers.computeIfAbsent(m.getKey(), k -> new ArrayList<>()).add(new Offer(p.name(), p.priority(), order,
                        m.getKey(), providerModel, p.keyName(), m.getValue(), m.getValue().retiresOn()
                                .or(() -> KnownRetirements.of(p.baseUrl())).orElse(null),
                        p.dialect().capabilities().variants()));
            }
            order++;
        }
        offers.values().forEach(list -> list.sort(Comparator.comparingInt(Offer::priority)
                .thenComparingInt(Offer::order)));
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /** The model's spec at its best offer (for messages and defaults), if any provider offers it. */
    public Optional<WorkerConfig.Model> model(String name) {
        return best(name, null).map(Offer::spec);
    }

    /** Every offer of every model, for metrics and the readiness detail. */
    public List<Offer> allOffers() {
        return offers.values().stream().flatMap(List::stream).toList();
    }

    public Set<String> providerNames() {
        return providers;
    }

    /** The offer a request names or gets first, ignoring size and duration: retired and unavailable ones last. */
    private Optional<Offer> best(String model, String provider) {
        List<Offer> all = offers.getOrDefault(model, List.of());
        LocalDate today = today();
        return all.stream().filter(o -> provider == null || o.provider().equals(provider))
                .min(Comparator.comparing((Offer o) -> o.retiredOn(today) || unavailable(o)));
    }

    public String defaultSize(String model) {
        return model(model).orElseThrow().sizes().get(0);
    }

    /** Returns why the combination is not allowed anywhere, or empty when it is. */
    public Optional<JobError> check(String model, String size, String seconds, boolean hasInputReference) {
        return check(model, size, seconds, hasInputReference, null);
    }

    /**
     * Returns why the request cannot be made ({@code provider}: the provider it names, or null for any), or empty
     * when some provider can make it.
     */
    public Optional<JobError> check(String model, String size, String seconds, boolean hasInputReference,
            String provider) {
        try {
            choose(model, size, seconds, hasInputReference, provider);
            return Optional.empty();
        } catch (Refused r) {
            return Optional.of(r.error);
        }
    }

    /** Where {@code request} is made, or why it cannot be. */
    public Choice choose(VideoRequest request) throws Refused {
        return choose(request.model(), request.size(), request.seconds(), request.inputReference() != null,
                !request.variants().isEmpty(), request.provider());
    }

    /** A request no configured provider can make; {@link #error} says why, for the rejection event. */
    public static final class Refused extends RuntimeException {
        private final transient JobError error;

        Refused(JobError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        public JobError error() {
            return error;
        }
    }

    /** Where a request of these values goes ({@code provider}: the one it names, or null), or why it cannot. */
    public Choice choose(String model, String size, String seconds, boolean image, String provider) {
        return choose(model, size, seconds, image, false, provider);
    }

    /** {@link #choose(String, String, String, boolean, String)} for a request that may want variants. */
    public Choice choose(String model, String size, String seconds, boolean image, boolean variants,
            String provider) {
        if (provider != null && !providers.contains(provider)) {
            throw new Refused(JobError.field("unknown_provider", "provider", "Unknown provider '" + provider
                    + "'. Configured providers: " + String.join(", ", providers) + "."));
        }
        List<Offer> all = offers.getOrDefault(model, List.of()).stream()
                .filter(o -> provider == null || o.provider().equals(provider)).toList();
        if (all.isEmpty()) {
            if (provider != null && offers.containsKey(model)) {
                throw new Refused(JobError.field("model_not_offered", "provider", "Provider '" + provider
                        + "' does not offer model '" + model + "'. It is offered by: " + String.join(", ",
                                offers.get(model).stream().map(Offer::provider).toList()) + "."));
            }
            throw new Refused(JobError.field("unknown_model", "model", "Unknown model '" + model
                    + "'. Supported models: " + String.join(", ", liveModels()) + "."));
        }
        LocalDate today = today();
        List<Offer> live = all.stream().filter(o -> !o.retiredOn(today)).toList();
        if (live.isEmpty()) {
            LocalDate retired = all.stream().map(Offer::retiresOn).max(LocalDate::compareTo).orElseThrow();
            List<String> alternatives = liveModels();
            throw new Refused(JobError.field("model_retired", "model", "Model '" + model + "' was retired on "
                    + retired + (provider == null ? "" : " at provider '" + provider + "'") + "; no request for it "
                    + "can be made. " + (alternatives.isEmpty() ? "No configured model is available."
                            : "Configured alternatives: " + String.join(", ", alternatives) + ".")));
        }
        List<Offer> available = live.stream().filter(o -> !unavailable(o)).toList();
        if (available.isEmpty()) {
            throw new Refused(JobError.field("model_unavailable", "model", "Model '" + model + "' is configured, but "
                    + "its provider" + (live.size() == 1 ? " " : "s ") + String.join(", ", live.stream()
                            .map(Offer::provider).toList()) + " said it does not have it (model_not_found). Check "
                    + "the model's name at the provider (provider-model) or choose another model: "
                    + String.join(", ", liveModels()) + "."));
        }
        List<Offer> fitting = available.stream().filter(o -> o.fits(size, seconds, image, variants)).toList();
        if (fitting.isEmpty()) {
            throw new Refused(misfit(available, model, size, seconds, image));
        }
        Offer chosen = fitting.stream().filter(o -> !providerDown.test(o.provider())).findFirst()
                .orElse(fitting.get(0));
        return new Choice(chosen, retirementNotice(chosen, today));
    }

    /**
     * The next provider for a job whose create failed for certain at its current one: an offer of the same model that
     * fits the request, is live, and is not one of {@code tried}; empty when there is none.
     */
    public Optional<Offer> failover(VideoRequest request, Set<String> tried) {
        if (request.provider() != null) {
            return Optional.empty();
        }
        LocalDate today = today();
        return offers.getOrDefault(request.model(), List.of()).stream()
                .filter(o -> !tried.contains(o.provider()) && !o.retiredOn(today) && !unavailable(o)
                        && o.fits(request.size(), request.seconds(), request.inputReference() != null,
                                !request.variants().isEmpty()))
                .min(Comparator.comparing((Offer o) -> providerDown.test(o.provider())));
    }

    /** The notice for jobs of {@code offer}: empty unless it retires within the notice period. */
    public String retirementNotice(Offer offer) {
        return retirementNotice(offer, today());
    }

    private String retirementNotice(Offer offer, LocalDate today) {
        LocalDate on = offer.retiresOn();
        if (on == null || today.plusDays(retirementNotice.toDays()).isBefore(on)) {
            return null;
        }
        long days = ChronoUnit.DAYS.between(today, on);
        return "Model " + offer.model() + " retires at provider " + offer.provider() + " on " + on + " (in " + days
                + (days == 1 ? " day" : " days") + "); plan a move to another model.";
    }

    /** Days until each offer's retirement (negative: retired), for offers that have a date. */
    public long daysUntilRetirement(Offer offer) {
        return offer.retiresOn() == null ? Long.MAX_VALUE : ChronoUnit.DAYS.between(today(), offer.retiresOn());
    }

    /** The provider answered that it does not have this model: no more jobs go there for it (on this replica). */
    public void markUnavailable(String provider, String model) {
        unavailable.add(provider + "/" + model);
    }

    public boolean unavailable(Offer offer) {
        return unavailable.contains(offer.provider() + "/" + offer.model());
    }

    private List<String> liveModels() {
        LocalDate today = today();
        return offers.entrySet().stream().filter(e -> e.getValue().stream()
                .anyMatch(o -> !o.retiredOn(today) && !unavailable(o))).map(Map.Entry::getKey).toList();
    }

    private static JobError misfit(List<Offer> available, String model, String size, String seconds,
            boolean image) {
        List<Offer> fitting = available.stream().filter(o -> o.fits(size, seconds, image, false)).toList();
        if (!fitting.isEmpty()) {
            return JobError.field("variants_not_supported", "variants", "Model '" + model + "' is made by "
                    + String.join(", ", fitting.stream().map(Offer::provider).toList()) + ", whose API serves no "
                    + "thumbnail or spritesheet variants; send the request without variants"
                    + (available.size() > fitting.size() ? " or name a provider that has them" : "") + ".");
        }
        WorkerConfig.Model spec = available.get(0).spec();
        if (!spec.sizes().contains(size)) {
            return JobError.field("unsupported_size", "size", "Size '" + size + "' is not supported by model '"
                    + model + "'. Supported sizes: " + String.join(", ", spec.sizes()) + ".");
        }
        if (!spec.seconds().contains(seconds)) {
            if (LEGACY_SECONDS.contains(seconds)) {
                return JobError.field("legacy_seconds", "seconds", "Duration " + seconds + " s belonged to the "
                        + "retired legacy route and is not available. Supported durations: "
                        + String.join(", ", spec.seconds()) + " seconds.");
            }
            return JobError.field("unsupported_seconds", "seconds", "Duration '" + seconds + "' is not supported by "
                    + "model '" + model + "'. Supported durations: " + String.join(", ", spec.seconds())
                    + " seconds.");
        }
        return JobError.field("input_reference_not_supported", "inputReference", "Model '" + model
                + "' does not accept an input reference image.");
    }

    /** Whether every model has a price at every provider, so every job gets an estimated cost. */
    public List<String> modelsWithoutPrice() {
        return allOffers().stream().filter(o -> o.spec().pricePerClip().isEmpty()
                && o.spec().pricePerSecond().isEmpty()
                && !o.spec().pricePerSecondBySize().keySet().containsAll(o.spec().sizes()))
                .map(o -> o.provider().equals(defaultProvider) ? o.model() : o.provider() + "/" + o.model())
                .distinct().toList();
    }

    /** The spec of the job's model at its provider (the default provider's for a job without a route). */
    public Optional<WorkerConfig.Model> spec(JobState job) {
        if (job.request() == null) {
            return Optional.empty();
        }
        String provider = job.route() == null ? defaultProvider : job.route().provider();
        return offers.getOrDefault(job.request().model(), List.of()).stream()
                .filter(o -> o.provider().equals(provider)).findFirst().map(Offer::spec);
    }

    /** Estimated price of one clip at the model's best offer; see {@link #estimateCost(Offer, String, String)}. */
    public Optional<BigDecimal> estimateCost(String model, String size, String seconds) {
        return best(model, null).flatMap(o -> estimateCost(o, size, seconds));
    }

    /**
     * Estimated price of one clip in USD: the per-second price for its size, else the model's per-second price, else
     * its per-clip price; empty when the catalog has none.
     */
    public static Optional<BigDecimal> estimateCost(Offer offer, String size, String seconds) {
        WorkerConfig.Model spec = offer.spec();
        BigDecimal perSecond = spec.pricePerSecondBySize().get(size);
        if (perSecond == null) {
            perSecond = spec.pricePerSecond().orElse(null);
        }
        if (perSecond == null) {
            return spec.pricePerClip().map(p -> p.setScale(2, RoundingMode.HALF_UP));
        }
        // one instance of a price for every job estimated at it (each job in flight holds its estimate)
        return Optional.of(SHARED_PRICES.of(perSecond.multiply(new BigDecimal(seconds))
                .setScale(2, RoundingMode.HALF_UP)));
    }
}

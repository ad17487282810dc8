package dev.videoworker.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.videoworker.config.TestConfig;
import dev.videoworker.config.WorkerConfig;
import dev.videoworker.job.JobError;
import dev.videoworker.job.Route;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.provider.Providers;
import dev.videoworker.testing.MutableClock;

/**
 * Routing over several providers' catalogs: by model, by the provider a request names, by priority; around providers
 * that are down; retired and retiring models; the next provider after a definite failure.
 */
class ModelCatalogTest {

    static final Instant TODAY = Instant.parse("2026-12-04T10:00:00Z");

    final MutableClock clock = new MutableClock(TODAY);
    final Set<String> down = new HashSet<>();

    /** The default provider (sora-2, sora-2-pro) plus {@code more} configuration. */
    ModelCatalog catalog(Map<String, String> more) {
        WorkerConfig worker = TestConfig.worker(more);
        return new ModelCatalog(Providers.settings(worker), worker.catalog().retirementNotice(), down::contains, clock);
    }

    static Map<String, String> provider(String name, String model, String... extra) {
        Map<String, String> config = new HashMap<>();
        config.put("worker.providers." + name + ".base-url", "https://" + name + ".example.com");
        config.put("worker.providers." + name + ".models." + model + ".sizes", "1280x720,720x1280");
        config.put("worker.providers." + name + ".models." + model + ".seconds", "4,8");
        config.put("worker.providers." + name + ".models." + model + ".price-per-second", "0.20");
        for (int i = 0; i < extra.length; i += 2) {
            config.put("worker.providers." + name + "." + extra[i], extra[i + 1]);
        }
        return config;
    }

    static Map<String, String> merged(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new HashMap<>(a);
        all.putAll(b);
        return all;
    }

    static VideoRequest request(String model, String provider) {
        return new VideoRequest("job-1", model, "A heron", "1280x720", "4", null, List.of(), null, null, null,
                provider);
    }

    static JobError refusal(ModelCatalog catalog, VideoRequest request) {
        try {
            catalog.choose(request);
        } catch (ModelCatalog.Refused e) {
            return e.error();
        }
        throw new AssertionError("expected a refusal for " + request);
    }

    @Test
    void aRequestGoesToTheProviderThatOffersItsModelUnderThatProvidersName() {
        ModelCatalog catalog = catalog(provider("veo", "veo-3", "models.veo-3.provider-model", "google/veo-3.1",
                "key-name", "veo-prod"));

        assertThat(catalog.choose(request("veo-3", null)).offer().route())
                .isEqualTo(new Route("veo", "google/veo-3.1", "veo-prod"));
        assertThat(catalog.choose(request("sora-2", null)).offer().route())
                .isEqualTo(new Route("openai", "sora-2", "default"));
        assertThat(catalog.choose(request("veo-3", "veo")).offer().provider()).isEqualTo("veo");
        assertThat(catalog.choose(request("veo-3", null)).offer().route())
                .as("one route per offer, held by every job routed there")
                .isSameAs(catalog.choose(request("veo-3", null)).offer().route());
    }

    @Test
    void aNamedProviderMustBeConfiguredAndOfferTheModel() {
        ModelCatalog catalog = catalog(provider("veo", "veo-3"));

        JobError unknown = refusal(catalog, request("sora-2", "runway"));
        assertThat(unknown.code()).isEqualTo("unknown_provider");
        assertThat(unknown.field()).isEqualTo("provider");
        assertThat(unknown.message()).contains("'runway'", "openai", "veo");

        JobError notOffered = refusal(catalog, request("sora-2", "veo"));
        assertThat(notOffered.code()).isEqualTo("model_not_offered");
        assertThat(notOffered.message()).contains("'veo' does not offer model 'sora-2'", "offered by: openai");
    }

    @Test
    void priorityOrdersProvidersOfOneModelAndADownProviderIsAvoidedWhileAnotherCanMakeTheJob() {
        ModelCatalog catalog = catalog(provider("backup", "sora-2", "priority", "10"));

        assertThat(catalog.choose(request("sora-2", null)).offer().provider()).isEqualTo("backup");
        down.add("backup");
        assertThat(catalog.choose(request("sora-2", null)).offer().provider()).isEqualTo("openai");
        down.add("openai");
        assertThat(catalog.choose(request("sora-2", null)).offer().provider())
                .as("all down: the first is still tried (down is a guess from the last call)").isEqualTo("backup");
    }

    @Test
    void openAisRetiredVideosApiRejectsItsModelsBeforeAnyCallNamingTheDateAndTheAlternatives() {
        ModelCatalog catalog = catalog(merged(Map.of("worker.provider.base-url", "https://api.openai.com"),
                provider("veo", "veo-3")));

        JobError retired = refusal(catalog, request("sora-2", null));
        assertThat(retired.code()).isEqualTo("model_retired");
        assertThat(retired.field()).isEqualTo("model");
        assertThat(retired.message()).contains("'sora-2' was retired on 2026-09-24", "Configured alternatives: veo-3");
        assertThat(catalog.check("sora-2-pro", "1280x720", "4", false)).map(JobError::code).contains("model_retired");
    }

    @Test
    void aModelRetiredAtOneProviderIsMadeAtAnotherThatStillHasIt() {
        ModelCatalog catalog = catalog(merged(Map.of("worker.provider.base-url", "https://api.openai.com"),
                provider("relay", "sora-2")));

        assertThat(catalog.choose(request("sora-2", null)).offer().provider()).isEqualTo("relay");
        assertThat(refusal(catalog, request("sora-2", "openai")).message())
                .contains("retired on 2026-09-24 at provider 'openai'");
    }

    @Test
    void aModelRetiringWithinTheNoticePeriodIsAnnouncedAndRejectedFromItsDateOn() {
        ModelCatalog catalog = catalog(provider("veo", "veo-3", "models.veo-3.retires-on", "2026-12-20"));

        assertThat(catalog.choose(request("veo-3", null)).notice())
                .isEqualTo("Model veo-3 retires at provider veo on 2026-12-20 (in 16 days); plan a move to another "
                        + "model.");
        ModelCatalog.Offer veo = catalog.allOffers().stream().filter(o -> o.provider().equals("veo")).findFirst()
                .orElseThrow();
        assertThat(catalog.daysUntilRetirement(veo)).isEqualTo(16);

        clock.set(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(catalog.choose(request("veo-3", null)).notice()).as("49 days ahead: not yet").isNull();

        clock.set(Instant.parse("2026-12-20T00:00:00Z"));
        assertThat(refusal(catalog, request("veo-3", null)).code()).isEqualTo("model_retired");
        assertThat(catalog.daysUntilRetirement(veo)).isZero();
    }

    @Test
    void theNextProviderAfterADefiniteFailureIsAnotherLiveOneThatFitsTheRequest() {
        Map<String, String> config = merged(provider("backup", "sora-2", "priority", "10"), provider("tiny",
                "sora-2", "priority", "20", "models.sora-2.sizes", "640x360"));
        ModelCatalog catalog = catalog(config);
        VideoRequest request = request("sora-2", null);

        assertThat(catalog.failover(request, Set.of("backup"))).map(ModelCatalog.Offer::provider)
                .as("tiny does not have 1280x720").contains("openai");
        assertThat(catalog.failover(request, Set.of("backup", "openai"))).isEmpty();
        assertThat(catalog.failover(request("sora-2", "backup"), Set.of("backup")))
                .as("a request that names its provider stays there").isEmpty();
    }

    @Test
    void aModelTheProviderSaysItDoesNotHaveIsRoutedElsewhereOrRejectedClearly() {
        ModelCatalog catalog = catalog(provider("backup", "sora-2", "priority", "10"));

        catalog.markUnavailable("backup", "sora-2");
        assertThat(catalog.choose(request("sora-2", null)).offer().provider()).isEqualTo("openai");
        assertThat(catalog.failover(request("sora-2", null), Set.of("openai"))).isEmpty();

        catalog.markUnavailable("openai", "sora-2");
        JobError unavailable = refusal(catalog, request("sora-2", null));
        assertThat(unavailable.code()).isEqualTo("model_unavailable");
        assertThat(unavailable.message()).contains("backup, openai", "model_not_found", "sora-2-pro");
    }

    @Test
    void aRequestForVariantsGoesOnlyToAProviderWhoseApiServesThem() {
        ModelCatalog catalog = catalog(merged(provider("router", "sora-2", "priority", "10", "dialect", "openrouter"),
                provider("together", "veo-3", "dialect", "together")));
        VideoRequest withThumbnail = new VideoRequest("job-1", "sora-2", "A heron", "1280x720", "4", null,
                List.of("thumbnail"), null, null, null, null);

        assertThat(catalog.choose(request("sora-2", null)).offer().provider()).isEqualTo("router");
        assertThat(catalog.choose(withThumbnail).offer().provider()).isEqualTo("openai");
        JobError refused = refusal(catalog, new VideoRequest("job-2", "veo-3", "A heron", "1280x720", "4", null,
                List.of("thumbnail"), null, null, null, null));
        assertThat(refused.code()).isEqualTo("variants_not_supported");
        assertThat(refused.field()).isEqualTo("variants");
        assertThat(refused.message()).contains("made by together");
    }

    @Test
    void aProviderMayNotTakeTheDefaultProvidersName() {
        assertThatThrownBy(() -> catalog(provider("openai", "sora-2")))
                .hasMessageContaining("worker.providers.openai has the default provider's name");
    }

    @Test
    void theNoticePeriodIsConfigurable() {
        ModelCatalog catalog = catalog(merged(provider("veo", "veo-3", "models.veo-3.retires-on", "2026-12-20"),
                Map.of("worker.catalog.retirement-notice", "7d")));
        assertThat(catalog.choose(request("veo-3", null)).notice()).isNull();
        clock.advance(Duration.ofDays(10));
        assertThat(catalog.choose(request("veo-3", null)).notice()).contains("(in 6 days)");
    }
}

package dev.videoworker.provider;

import java.util.List;
import java.util.Map;

import dev.videoworker.config.WorkerConfig;

/**
 * One configured provider: where it is (its base URL, path kept), how it speaks, with which key (held here, never
 * shown by {@link #toString()}), its limits and its model catalog.
 */
public record ProviderSettings(String name, String baseUrl, Dialect dialect, String apiKey, String keyName,
        int maxConcurrentCreates, int priority, boolean deleteAfterStore, Map<String, WorkerConfig.Model> models,
        List<String> webhookSecrets, double pollsPerSecond) {

    public ProviderSettings {
        baseUrl = baseUrl.replaceAll("/+$", "");
        models = Map.copyOf(models);
        webhookSecrets = webhookSecrets == null ? List.of() : List.copyOf(webhookSecrets);
    }

    /** Whether the provider's copy is deleted once stored: configured so, and the dialect can delete. */
    public boolean deletesAfterStore() {
        return deleteAfterStore && dialect.capabilities().delete();
    }

    @Override
    public String toString() {
        return "ProviderSettings[name=" + name + ", baseUrl=" + baseUrl + ", dialect=" + dialect.name() + ", keyName="
                + keyName + ", key=" + (apiKey == null ? "none" : "(set)") + "]";
    }
}

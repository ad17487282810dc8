package dev.videoworker.job;

/**
 * Where a job is made, chosen once before its first create call and written into its state: every later call for
 * the job (create, polls, download, delete, also on another replica after a take-over) goes there.
 *
 * @param provider the configured provider's name
 * @param model the model's name at that provider (its slug, e.g. {@code openai/sora-2})
 * @param keyName the name of the key used there (never the key)
 */
public record Route(String provider, String model, String keyName) {
}

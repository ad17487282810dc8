package dev.videoworker.job;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An object the worker wrote to the store, with what a consumer needs to trust it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoredObject(String bucket, String key, String uri, long bytes, String sha256, String contentType) {
}

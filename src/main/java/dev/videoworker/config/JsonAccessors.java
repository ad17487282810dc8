package dev.videoworker.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;

import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * The application's {@link ObjectMapper} (journal records, status and completion events, the fleet view, the HTTP API
 * and the provider clients' JSON) reads and writes properties through accessors Jackson's Blackbird module generates
 * once per property, instead of a reflective call per property per value: the job state alone is written at every
 * transition. The JSON itself does not change. Measured in docs/benchmarks.md ("JSON without reflection").
 */
@Singleton
public class JsonAccessors implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new BlackbirdModule());
    }
}

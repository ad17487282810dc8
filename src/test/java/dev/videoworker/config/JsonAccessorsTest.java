package dev.videoworker.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;

import dev.videoworker.pipeline.WorkerTest;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

/**
 * The mapper every component injects writes through generated accessors. That the JSON is unchanged is what the event
 * contract ({@code AsyncApiContractTest}), the journal's rebuilds and the HTTP API tests check, all with this mapper.
 */
@QuarkusTest
class JsonAccessorsTest extends WorkerTest {

    @Inject
    ObjectMapper mapper;

    @Test
    void theApplicationsMapperHasTheBlackbirdModule() {
        assertThat(mapper.getRegisteredModuleIds()).contains(new BlackbirdModule().getTypeId());
    }
}

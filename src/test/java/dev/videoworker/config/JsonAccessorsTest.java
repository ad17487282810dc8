package dev.videoworker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;

import dev.videoworker.event.StatusEvent;
import dev.videoworker.job.JobState;
import dev.videoworker.job.VideoRequest;
import dev.videoworker.pipeline.WorkerTest;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

/**
 * The mapper every component injects writes through generated accessors, and writes what reflection wrote. The event
 * contract ({@code AsyncApiContractTest}), the journal's rebuilds and the HTTP API tests also run with this mapper.
 */
@QuarkusTest
class JsonAccessorsTest extends WorkerTest {

    @Inject
    ObjectMapper mapper;

    @Test
    void theApplicationsMapperHasTheBlackbirdModule() {
        assertThat(mapper.getRegisteredModuleIds()).contains(new BlackbirdModule().getTypeId());
    }

    /**
     * A job's state and its status event, written by the application's mapper and by a reflective one with Quarkus's
     * defaults (Java time, Optional, parameter names; dates as text; unknown properties ignored): the same JSON, and
     * the state reads back equal through the generated accessors and constructor.
     */
    @Test
    void writesTheSameJsonAsReflectionAndReadsItBack() throws Exception {
        ObjectMapper reflective = JsonMapper.builder()
                .addModules(new Jdk8Module(), new JavaTimeModule(), new ParameterNamesModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        VideoRequest request = new VideoRequest("json-accessors-1", "sora-2", "a heron at dawn", "1280x720", "8", null,
                List.of(), null, new BigDecimal("1.00"), reflective.createObjectNode().put("team", "birds"));
        Instant at = Instant.parse("2026-12-06T10:00:00.123456Z");
        JobState state = JobState.submitting(request, 2, new BigDecimal("0.80"), at, at.plusMillis(5),
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        for (Object value : List.of(state, StatusEvent.of(state))) {
            assertThat(mapper.readTree(mapper.writeValueAsBytes(value)))
                    .as(value.getClass().getSimpleName())
                    .isEqualTo(reflective.readTree(reflective.writeValueAsBytes(value)));
        }
        assertThat(mapper.readValue(mapper.writeValueAsBytes(state), JobState.class)).isEqualTo(state);
    }
}

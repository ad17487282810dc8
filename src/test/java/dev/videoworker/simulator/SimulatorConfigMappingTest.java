package dev.videoworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/** The embedded simulator's {@code simulator.faults.*} keys reach the same settings as the standalone server's. */
class SimulatorConfigMappingTest {

    @Test
    void theNewFaultKeysMapLikeTheStandaloneOnes() {
        Map<String, String> keys = Map.of(
                "simulator.faults.create-lost-504-rate", "0.1", "simulator.faults.create-reset-rate", "0.2",
                "simulator.faults.create-stall-rate", "0.3", "simulator.faults.create-stall-duration", "PT2S",
                "simulator.faults.list-lag", "PT15S", "simulator.faults.list-omits-prompt", "true");

        FaultSettings embedded = mapped(keys);

        assertThat(embedded).isEqualTo(SimulatorSettings.fromLookup(key -> keys.get("simulator." + key)).faults());
        assertThat(embedded.rate(Fault.CREATE_LOST_504)).isEqualTo(0.1);
        assertThat(embedded.rate(Fault.CREATE_RESET)).isEqualTo(0.2);
        assertThat(embedded.rate(Fault.CREATE_STALL)).isEqualTo(0.3);
        assertThat(embedded.createStallDuration()).isEqualTo(Duration.ofSeconds(2));
        assertThat(embedded.listLag()).isEqualTo(Duration.ofSeconds(15));
        assertThat(embedded.listOmitsPrompt()).isTrue();
    }

    @Test
    void unsetKeysChangeNothing() {
        assertThat(mapped(Map.of())).isEqualTo(FaultSettings.none());
    }

    private static FaultSettings mapped(Map<String, String> keys) {
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(SimulatorConfig.class)
                .withSources(new PropertiesConfigSource(keys, "test", 100))
                .withConverter(Path.class, 100, Path::of)
                .build();
        return config.getConfigMapping(SimulatorConfig.class).faults().settings();
    }
}

package dev.sluice.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SimulatorConfigTest {

    @Test
    void hasVllmLikeDefaults() {
        final SimulatorConfig config = SimulatorConfig.builder("m").build();
        assertThat(config).isEqualTo(new SimulatorConfig("m", List.of(), Duration.ofMillis(50),
                                                         Duration.ofMillis(10), 16, 42, 4, 8192, 16));
    }

    @Test
    void copiesAdapterList() {
        final List<String> adapters = new java.util.ArrayList<>(List.of("a"));
        final SimulatorConfig config = SimulatorConfig.builder("m").loraAdapters(adapters).build();
        adapters.add("b");
        assertThat(config.loraAdapters()).containsExactly("a");
    }

    @Test
    void rejectsInvalidValuesWithValueAndExpectation() {
        assertThatThrownBy(() -> SimulatorConfig.builder("m").outputTokens(0).build())
                .hasMessage("outputTokens: 0 (expected: >= 1)");
        assertThatThrownBy(() -> SimulatorConfig.builder("m").maxLoras(0).build())
                .hasMessage("maxLoras: 0 (expected: >= 1)");
        assertThatThrownBy(() -> SimulatorConfig.builder("m").kvCacheBlocks(-1).build())
                .hasMessage("kvCacheBlocks: -1 (expected: >= 1)");
        assertThatThrownBy(() -> SimulatorConfig.builder("m").blockSize(0).build())
                .hasMessage("blockSize: 0 (expected: >= 1)");
        assertThatThrownBy(() -> SimulatorConfig.builder("m").timeToFirstToken(Duration.ofMillis(-5)).build())
                .hasMessage("timeToFirstToken: PT-0.005S (expected: >= 0)");
        assertThatThrownBy(() -> SimulatorConfig.builder("m").loraAdapters(List.of("a", "a")).build())
                .hasMessage("loraAdapters: [a, a] (expected: distinct names, none equal to the model)");
        assertThatThrownBy(() -> SimulatorConfig.builder("m").loraAdapters(List.of("m")).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimulatorConfig.builder(" ").build())
                .hasMessage("model: ' ' (expected: a non-blank name)");
        assertThatThrownBy(() -> SimulatorServer.start(SimulatorConfig.builder("m").build(), "127.0.0.1", 70000))
                .hasMessage("port: 70000 (expected: 0..65535)");
    }
}

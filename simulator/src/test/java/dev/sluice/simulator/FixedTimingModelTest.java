package dev.sluice.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class FixedTimingModelTest {

    private static final GenerationRequest REQUEST = new GenerationRequest("m", null, 10, 0, 16);

    private static EngineSnapshot running(int requests) {
        return new EngineSnapshot(0, requests, 0, 100, List.of(), List.of());
    }

    @Test
    void givesConfiguredTimesUpToTheBatchSize() {
        final FixedTimingModel model = new FixedTimingModel(Duration.ofMillis(50), Duration.ofMillis(10), 4);
        assertThat(model.timeToFirstToken(REQUEST, running(4))).isEqualTo(Duration.ofMillis(50));
        assertThat(model.interTokenLatency(REQUEST, 1, running(1))).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void stretchesTimesInProportionBeyondTheBatchSize() {
        final FixedTimingModel model = new FixedTimingModel(Duration.ofMillis(50), Duration.ofMillis(10), 4);
        assertThat(model.timeToFirstToken(REQUEST, running(8))).isEqualTo(Duration.ofMillis(100));
        assertThat(model.interTokenLatency(REQUEST, 3, running(6))).isEqualTo(Duration.ofMillis(15));
    }

    @Test
    void takesTimesFromConfig() {
        final FixedTimingModel model = FixedTimingModel.of(
                SimulatorConfig.builder("m").timeToFirstToken(Duration.ofMillis(7))
                               .interTokenLatency(Duration.ofMillis(3)).build());
        assertThat(model.timeToFirstToken(REQUEST, running(200))).isEqualTo(Duration.ofMillis(7));
        assertThat(model.interTokenLatency(REQUEST, 1, running(512))).isEqualTo(Duration.ofMillis(6));
    }

    @Test
    void rejectsInvalidArguments() {
        assertThatThrownBy(() -> new FixedTimingModel(Duration.ZERO, Duration.ZERO, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchSize: 0 (expected: >= 1)");
    }
}

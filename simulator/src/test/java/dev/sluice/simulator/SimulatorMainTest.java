package dev.sluice.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SimulatorMainTest {

    @Test
    void parsesFlags() {
        final SimulatorMain.Options options = SimulatorMain.Options.parse(
                "--model", "llama", "--lora", "a, b", "--port", "0", "--host", "0.0.0.0", "--ttft-ms", "5",
                "--itl-ms", "2", "--output-tokens", "3", "--seed", "9");
        assertThat(options.host()).isEqualTo("0.0.0.0");
        assertThat(options.port()).isZero();
        assertThat(options.config()).isEqualTo(
                new SimulatorConfig("llama", List.of("a", "b"), Duration.ofMillis(5), Duration.ofMillis(2), 3, 9,
                                    4, 8192, 16));
    }

    @Test
    void defaultsToLoopbackAndVllmPort() {
        final SimulatorMain.Options options = SimulatorMain.Options.parse();
        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.port()).isEqualTo(8000);
        assertThat(options.config().model()).isEqualTo("sim-model");
    }

    @Test
    void rejectsUnknownFlagsAndBadNumbers() {
        assertThatThrownBy(() -> SimulatorMain.Options.parse("--verbose", "1"))
                .hasMessage("--verbose: unknown flag");
        assertThatThrownBy(() -> SimulatorMain.Options.parse("--port", "http"))
                .hasMessage("--port: http (expected: an integer)");
        assertThatThrownBy(() -> SimulatorMain.Options.parse("--model"))
                .hasMessage("--model: missing value");
    }
}

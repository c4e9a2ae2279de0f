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
    void parsesEngineFlags() {
        final SimulatorConfig config = SimulatorMain.Options.parse(
                "--profile", "llama-8b-a10", "--time-compression", "12.5", "--max-num-seqs", "64",
                "--max-loras", "2", "--model", "llama").config();
        assertThat(config.profile()).isSameAs(SimulatorProfile.LLAMA_8B_A10);
        assertThat(config.timeCompression()).isEqualTo(12.5);
        assertThat(config.kvCacheBlocks()).isEqualTo(2816); // from the profile
        assertThat(config.maxNumBatchedTokens()).isEqualTo(2048);
        assertThat(config.maxNumSeqs()).isEqualTo(64);
        assertThat(config.maxLoras()).isEqualTo(2);
        assertThat(config.model()).isEqualTo("llama");
        final SimulatorConfig sized = SimulatorMain.Options.parse("--kv-cache-blocks", "100",
                                                                  "--max-num-batched-tokens", "512").config();
        assertThat(sized.profile()).isNull();
        assertThat(sized.kvCacheBlocks()).isEqualTo(100);
        assertThat(sized.maxNumBatchedTokens()).isEqualTo(512);
        assertThatThrownBy(() -> SimulatorMain.Options.parse("--profile", "tpu"))
                .hasMessageStartingWith("profile: tpu (expected: one of [qwen3-32b-tp2-h100,");
        assertThatThrownBy(() -> SimulatorMain.Options.parse("--time-compression", "fast"))
                .hasMessage("--time-compression: fast (expected: a number)");
        assertThatThrownBy(() -> SimulatorMain.Options.parse("--time-compression", "-1"))
                .hasMessage("timeCompression: -1.0 (expected: 0.001..1000000)");
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

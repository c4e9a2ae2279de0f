package dev.sluice.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SimulatorProfileTest {

    @Test
    void stepTimeIsBasePlusPrefillPlusDecodePlusKvOccupancy() {
        // 15 ms + 48.8 µs × 8192 + 20 µs × 10 + 20 ms × 0.5 = 15 + 399.7696 + 0.2 + 10 ms.
        assertThat(SimulatorProfile.QWEN3_32B_TP2_H100.stepTime(8192, 10, 0.5))
                .isEqualTo(Duration.ofNanos(424_969_600));
        // llm-d's calibration: one 8192-token chunk takes about 0.40 s, plus the step's fixed cost.
        assertThat(SimulatorProfile.QWEN3_32B_TP2_H100.stepTime(8192, 0, 0))
                .isEqualTo(Duration.ofNanos(414_769_600));
        // BLIS's Llama-3.1-8B on H100: 5.753 ms + 17.25 µs × 256 prompt tokens.
        assertThat(SimulatorProfile.LLAMA_8B_H100.stepTime(256, 0, 0)).isEqualTo(Duration.ofNanos(10_169_000));
        // A decode step of 64 sequences at half a KV cache: 5.753 + 0.384 + 9 ms.
        assertThat(SimulatorProfile.LLAMA_8B_H100.stepTime(0, 64, 0.5)).isEqualTo(Duration.ofNanos(15_137_000));
        assertThat(SimulatorProfile.LLAMA_8B_A10.stepTime(2048, 0, 1))
                .isEqualTo(Duration.ofNanos(32_000_000 + 136_000L * 2048 + 10_000_000));
        assertThat(SimulatorProfile.LLAMA_8B_H100.overhead(1000)).isEqualTo(Duration.ofNanos(1_982_000));
    }

    @Test
    void findsBuiltInProfilesByName() {
        assertThat(SimulatorProfile.builtIn()).extracting(SimulatorProfile::name)
                                              .containsExactly("qwen3-32b-tp2-h100", "llama-8b-h100",
                                                               "llama-8b-a10");
        assertThat(SimulatorProfile.named("llama-8b-a10")).isSameAs(SimulatorProfile.LLAMA_8B_A10);
        assertThatThrownBy(() -> SimulatorProfile.named("a100"))
                .hasMessage("profile: a100 (expected: one of [qwen3-32b-tp2-h100, llama-8b-h100, llama-8b-a10])");
    }

    @Test
    void configTakesLimitsFromTheProfileUnlessSet() {
        final SimulatorConfig config = SimulatorConfig.builder("m").maxNumSeqs(64)
                                                      .profile(SimulatorProfile.QWEN3_32B_TP2_H100).build();
        assertThat(config.kvCacheBlocks()).isEqualTo(19_208);
        assertThat(config.maxNumBatchedTokens()).isEqualTo(8192);
        assertThat(config.maxNumSeqs()).isEqualTo(64);
        assertThat(config.maxModelLength()).isEqualTo(307_328);
        assertThat(SimulatorConfig.builder("m").profile(SimulatorProfile.LLAMA_8B_A10).kvCacheBlocks(100).build()
                                  .kvCacheBlocks()).isEqualTo(100);
        assertThatThrownBy(() -> SimulatorConfig.builder("m").timeCompression(0).build())
                .hasMessage("timeCompression: 0.0 (expected: 0.001..1000000)");
        assertThatThrownBy(() -> SimulatorConfig.builder("m").maxNumBatchedTokens(0).build())
                .hasMessage("maxNumBatchedTokens: 0 (expected: >= 1)");
    }
}

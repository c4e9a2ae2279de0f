package dev.sluice.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorProfile;

class ProfileStepTimeTest {

    /** Runs one 16-token prompt with 50 output tokens on a 100-block cache; returns the step durations. */
    private static List<Long> durations(long seed, double jitter) {
        final BatchingEngine engine = new BatchingEngine(
                SimulatorConfig.builder("m").kvCacheBlocks(100).build(),
                new ProfileStepTime(SimulatorProfile.LLAMA_8B_H100.withStepJitter(jitter), new SplittableRandom(seed)),
                SequenceListener.NOOP);
        engine.add(new Sequence("s", "m", null, 16, new long[0], 50, "length", SequenceListener.NOOP), 0);
        final List<Long> durations = new ArrayList<>();
        long now = 0;
        BatchingEngine.Plan plan;
        while ((plan = engine.beginStep(now)) != null) {
            durations.add(plan.durationNanos());
            now += plan.durationNanos();
            engine.endStep(now);
        }
        return durations;
    }

    @Test
    void timesStepsFromTheirWork() {
        final List<Long> durations = durations(1, 0);
        assertThat(durations).hasSize(50);
        // Prefill of 16 tokens in 1 of 100 blocks: 5.753 ms + 16 × 17.25 µs + 1% × 18 ms.
        assertThat(durations.get(0)).isEqualTo(5_753_000 + 276_000 + 180_000);
        // Decoding the 17th token takes a second block: 5.753 ms + 6 µs + 2% × 18 ms.
        assertThat(durations.get(1)).isEqualTo(5_753_000 + 6_000 + 360_000);
        // The 66th token (the 50th output's input) needs a fifth block.
        assertThat(durations.get(49)).isEqualTo(5_753_000 + 6_000 + 900_000);
    }

    @Test
    void jitterIsSeededAndBounded() {
        final List<Long> exact = durations(1, 0);
        final List<Long> first = durations(7, 0.1);
        assertThat(durations(7, 0.1)).isEqualTo(first);
        assertThat(durations(8, 0.1)).isNotEqualTo(first);
        for (int i = 0; i < exact.size(); i++) {
            assertThat(first.get(i)).isBetween(Math.round(exact.get(i) * 0.7) - 1, Math.round(exact.get(i) * 1.3) + 1);
        }
        assertThat(first).isNotEqualTo(exact);
        assertThatThrownBy(() -> SimulatorProfile.LLAMA_8B_H100.withStepJitter(0.5))
                .hasMessage("stepJitter: 0.5 (expected: 0..0.3)");
    }
}

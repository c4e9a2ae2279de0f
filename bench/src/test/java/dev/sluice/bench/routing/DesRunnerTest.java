package dev.sluice.bench.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.simulator.SimulatorProfile;

class DesRunnerTest {

    // A small shared-prefix shape on 4 pods: 13 groups of 600 + 120 tokens, 40 output tokens. 39 prompts, not a
    // multiple of the pods, or round-robin would send each cycling prompt to the same pod every time.
    private static final SharedPrefixWorkload SMALL = new SharedPrefixWorkload(13, 3, 600, 120, 40);

    // Qwen's step times with 600 KV blocks (9,600 tokens) a pod: the 12,480 distinct prompt tokens fit in the pool
    // but not in one pod, so where requests go decides what hits.
    private static final SimulatorProfile SMALL_KV = smallKv();

    private static SimulatorProfile smallKv() {
        final SimulatorProfile q = SimulatorProfile.QWEN3_32B_TP2_H100;
        return new SimulatorProfile("small-kv", 600, q.maxNumSeqs(), q.maxNumBatchedTokens(), q.stepBase(),
                                    q.perPrefillToken(), q.perDecodeSequence(), q.atFullKvCache(),
                                    q.requestOverhead(), q.overheadPerPromptToken(), q.stepJitter());
    }

    private static DesRunner.Settings settings(long seed) {
        return new DesRunner.Settings(4, SMALL_KV, seed, 0.2, Duration.ofMillis(50),
                                      EndpointMetricsStore.DEFAULT_STALENESS_BOUND);
    }

    @Test
    void aRunIsTheSameEveryTimeForASeed() {
        final List<PlannedRequest> plan = SMALL.plan(240, 20, 5);
        for (Policy policy : List.of(Policy.SLUICE_DEFAULT, Policy.GIE_DEFAULT, Policy.RANDOM, Policy.ORACLE)) {
            final RunResult a = DesRunner.run(SMALL, plan, policy, 20, settings(9)).withoutWallTime();
            final RunResult b = DesRunner.run(SMALL, SMALL.plan(240, 20, 5), policy, 20, settings(9))
                                          .withoutWallTime();
            assertThat(b).as(policy.cliName()).isEqualTo(a);
            assertThat(a.requests()).isEqualTo(192);
            assertThat(a.ttftP90()).isPositive();
        }
        // Another seed changes step jitter and tie-breaks.
        assertThat(DesRunner.run(SMALL, plan, Policy.RANDOM, 20, settings(10)).withoutWallTime())
                .isNotEqualTo(DesRunner.run(SMALL, plan, Policy.RANDOM, 20, settings(9)).withoutWallTime());
    }

    @Test
    void theOracleHitsTheCacheAtLeastAsOftenAsEveryOtherPolicy() {
        final List<PlannedRequest> plan = SMALL.plan(300, 10, 1);
        final RunResult oracle = DesRunner.run(SMALL, plan, Policy.ORACLE, 10, settings(1));
        final List<RunResult> others = new ArrayList<>();
        for (Policy p : Policy.values()) {
            if (p != Policy.ORACLE) {
                others.add(DesRunner.run(SMALL, plan, p, 10, settings(1)));
            }
        }
        for (RunResult r : others) {
            assertThat(oracle.prefixHitRate()).as(r.policy()).isGreaterThanOrEqualTo(r.prefixHitRate());
        }
        // Prefix-aware routing beats prefix-blind routing by far on this workload.
        final RunResult rr = others.stream().filter(r -> r.policy().equals("round-robin")).findFirst().orElseThrow();
        assertThat(oracle.prefixHitRate()).isGreaterThan(rr.prefixHitRate() + 0.25);
    }

    @Test
    void measuresThroughputAtTheOfferedLoadWhenUnderloaded() {
        final LowSharingWorkload w = new LowSharingWorkload(200, 20);
        final RunResult r = DesRunner.run(w, w.plan(600, 4, 1), Policy.ROUND_ROBIN, 4, settings(1));
        assertThat(r.outputTokensPerSecond()).isBetween(4 * 20 * 0.8, 4 * 20 * 1.2);
        assertThat(r.requestsPerSecond()).isBetween(3.0, 4.4);
        assertThat(r.prefixHitRate()).isZero();
        assertThat(r.ttftP50()).isLessThanOrEqualTo(r.ttftP90()).isLessThanOrEqualTo(r.ttftP99());
        assertThat(r.meanQueueTime()).isLessThan(0.1);
        assertThat(r.windowSeconds()).isGreaterThan(100);
    }

    @Test
    void aClosedLoopKeepsItsClientsBusyWhateverThePlannedArrivals() {
        final LowSharingWorkload w = new LowSharingWorkload(200, 20);
        // Arrival times are ignored: plans for 1 and 50 req/s give the same closed-loop run.
        final RunResult one = DesRunner.runClosedLoop(w, w.plan(200, 1, 1), Policy.ROUND_ROBIN, 1, settings(1));
        final RunResult same = DesRunner.runClosedLoop(w, w.plan(200, 50, 1), Policy.ROUND_ROBIN, 1, settings(1));
        assertThat(same).usingRecursiveComparison().ignoringFields("wallMillis").isEqualTo(one);
        assertThat(one.load()).isEqualTo(1);
        // One client: each request is sent when the previous one ends, so nothing queues and req/s is 1 / E2E.
        assertThat(one.meanQueueTime()).isLessThan(0.02);
        assertThat(one.requestsPerSecond() * one.e2eP90()).isBetween(0.9, 1.1);
        // Four clients on four idle pods serve about four times as much.
        final RunResult four = DesRunner.runClosedLoop(w, w.plan(200, 1, 1), Policy.ROUND_ROBIN, 4, settings(1));
        assertThat(four.outputTokensPerSecond() / one.outputTokensPerSecond()).isBetween(3.0, 4.5);
        assertThatThrownBy(() -> DesRunner.runClosedLoop(w, w.plan(10, 1, 1), Policy.ROUND_ROBIN, 0, settings(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concurrency: 0");
        final MultiTurnWorkload turns = new MultiTurnWorkload(2, 4, 64, 64, 16, 200);
        assertThatThrownBy(() -> DesRunner.runClosedLoop(turns, turns.plan(40, 20, 1), Policy.ROUND_ROBIN, 2,
                                                         settings(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("depend on earlier ones");
    }

    @Test
    void laterTurnsWaitForTheirPredecessors() {
        final MultiTurnWorkload w = new MultiTurnWorkload(2, 4, 64, 64, 16, 200);
        // Two users at 20 req/s: turns are due long before the previous 200-token answer is done.
        final RunResult r = DesRunner.run(w, w.plan(40, 20, 1), Policy.SLUICE_DEFAULT, 20, settings(1));
        assertThat(r.requests()).isEqualTo(32);
        // Sent only after the previous answer, so the earlier turns' prompt blocks are cached.
        assertThat(r.prefixHitRate()).isGreaterThan(0.5);
    }

    @Test
    void loraWorkloadsGetEnginesWithAdaptersAndSlots() {
        final MultiLoraWorkload w = new MultiLoraWorkload(6, 1, 2, 32, 32, 8);
        assertThat(DesRunner.engineConfig(w, settings(1)).loraAdapters()).hasSize(6);
        assertThat(DesRunner.engineConfig(w, settings(1)).maxLoras()).isEqualTo(2);
        assertThat(DesRunner.engineConfig(SMALL, settings(1)).loraAdapters()).isEmpty();
        final RunResult r = DesRunner.run(w, w.plan(200, 10, 1), Policy.SLUICE_DEFAULT, 10, settings(1));
        assertThat(r.requests()).isEqualTo(160);
    }
}

package dev.sluice.simulator.des;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorProfile;

class DiscreteEventSimulationTest {

    private static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    private static int[] tokens(int from, int count) {
        final int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = from + i;
        }
        return ids;
    }

    @Test
    void fixedTimingGivesHandComputedRecords() {
        final DiscreteEventSimulation sim = new DiscreteEventSimulation(1);
        sim.addEngine("pod-0", SimulatorConfig.builder("m").timeToFirstToken(ms(10)).interTokenLatency(ms(2))
                                              .build());
        final int[] prefix = tokens(0, 32); // 2 full blocks
        sim.submit(SimulatedRequest.builder("r1", Duration.ZERO).tokens(prefix).outputTokens(3).build());
        sim.submit(SimulatedRequest.builder("r2", ms(5)).tokens(prefix).tokens(tokens(100, 16)).outputTokens(3)
                                   .build());
        sim.run();
        // Step [0, 10]: r1's prompt. r2 arrives during it. Step [10, 20]: r1 decodes (2 ms) beside r2's prompt
        // (10 ms), so it lasts 10 ms. Step [20, 22]: both decode; r1 is done. Step [22, 24]: r2 is done.
        // r2 finds r1's 2 prompt blocks in the cache: 32 of its 48 tokens.
        assertThat(sim.records()).containsExactly(
                new RequestRecord("r1", "pod-0", null, ms(0), ms(0), ms(10), ms(22), 32, 0, 3, 0),
                new RequestRecord("r2", "pod-0", null, ms(5), ms(10), ms(20), ms(24), 48, 32, 3, 0));
        final RequestRecord r2 = sim.records().get(1);
        assertThat(r2.timeToFirstToken()).isEqualTo(ms(15));
        assertThat(r2.queueTime()).isEqualTo(ms(5));
        assertThat(r2.endToEnd()).isEqualTo(ms(19));
        assertThat(r2.timePerOutputToken()).isEqualTo(ms(2));
        assertThat(sim.now()).isEqualTo(ms(24));
        final SimulatedEngine pod = sim.engines().get(0);
        assertThat(pod.steps()).isEqualTo(4);
        final SimulatedRequest probe = SimulatedRequest.builder("probe", sim.now()).tokens(prefix).tokens(tokens(7, 40))
                                                       .build();
        final long[] hashes = pod.blockHashes(probe);
        assertThat(hashes).hasSize(4);
        assertThat(pod.isCached(hashes[0])).isTrue();
        assertThat(pod.isCached(hashes[1])).isTrue();
        assertThat(pod.isCached(hashes[2])).isFalse();
        assertThat(pod.cachedPrefixTokens(probe)).isEqualTo(32);
        assertThat(pod.cachedBlocks()).isEqualTo(3); // r1's 2 prompt blocks and r2's third
    }

    @Test
    void profileTimesStepsFromTheirWork() {
        final DiscreteEventSimulation sim = new DiscreteEventSimulation(1);
        sim.addEngine("h100", SimulatorConfig.builder("m").profile(SimulatorProfile.LLAMA_8B_H100.withStepJitter(0))
                                             .build());
        sim.submit(SimulatedRequest.builder("r", Duration.ZERO).tokens(tokens(0, 256)).outputTokens(2).build());
        sim.run();
        final RequestRecord record = sim.records().get(0);
        // Overhead 232 µs + 256 × 1.75 µs; then 5.753 ms + 256 × 17.25 µs + 18 ms × 16 / 29205 blocks in use.
        assertThat(record.queueTime()).isEqualTo(Duration.ofNanos(680_000));
        assertThat(record.timeToFirstToken()).isEqualTo(Duration.ofNanos(680_000 + 5_753_000 + 4_416_000 + 9_861));
        // The second token: 5.753 ms + 6 µs + 18 ms × 17 / 29205.
        assertThat(record.finished().minus(record.firstToken())).isEqualTo(Duration.ofNanos(5_753_000 + 6_000 + 10_478));
    }

    /** Runs a shared-prefix workload on 4 small pods with random routing; arrivals come from a fixed seed. */
    private static List<RequestRecord> sharedPrefixRun(long seed) {
        final DiscreteEventSimulation sim = new DiscreteEventSimulation(seed).routing(RoutingPolicy.random());
        for (int i = 0; i < 4; i++) {
            sim.addEngine("pod-" + i, SimulatorConfig.builder("llama").profile(SimulatorProfile.LLAMA_8B_A10)
                                                     .kvCacheBlocks(400).build());
        }
        final int[][] systemPrompts = new int[6][];
        for (int g = 0; g < systemPrompts.length; g++) {
            systemPrompts[g] = tokens(g * 10_000, 1000);
        }
        // Poisson arrivals at 20 per second, generated as the simulation runs.
        final SplittableRandom workload = new SplittableRandom(99);
        final long[] next = { 0 };
        final Runnable[] arrive = new Runnable[1];
        arrive[0] = () -> {
            final int n = (int) (next[0]++);
            final int group = workload.nextInt(systemPrompts.length);
            sim.submit(SimulatedRequest.builder("r" + n, sim.now())
                                       .tokens(systemPrompts[group])
                                       .tokens(tokens(1_000_000 + n * 1000, 50 + workload.nextInt(200)))
                                       .outputTokens(20 + workload.nextInt(200))
                                       .build());
            if (n < 199) {
                final long gap = (long) (-Math.log(1 - workload.nextDouble()) / 20 * 1e9);
                sim.schedule(sim.now().plusNanos(gap), arrive[0]);
            }
        };
        sim.schedule(Duration.ZERO, arrive[0]);
        sim.run();
        assertThat(sim.records()).hasSize(200);
        return sim.records();
    }

    @Test
    void sameSeedGivesIdenticalRecordsAndAnotherSeedDoesNot() {
        final List<RequestRecord> first = sharedPrefixRun(7);
        assertThat(sharedPrefixRun(7)).isEqualTo(first);
        final List<RequestRecord> other = sharedPrefixRun(8);
        assertThat(other).isNotEqualTo(first);
        // The workload exercises the cache and the queue, not just an idle engine.
        assertThat(first).anySatisfy(record -> assertThat(record.cachedTokens()).isPositive());
        assertThat(first).anySatisfy(record -> assertThat(record.queueTime()).isGreaterThan(ms(50)));
        assertThat(first).anySatisfy(record -> assertThat(record.preemptions()).isPositive());
        assertThat(first).extracting(RequestRecord::engine).contains("pod-0", "pod-1", "pod-2", "pod-3");
    }

    @Test
    void anOraclePolicyReadsTheEnginesCaches() {
        final RoutingPolicy mostCached = (request, sim) ->
                sim.engines().stream()
                   .max(Comparator.comparingInt((SimulatedEngine e) -> e.cachedPrefixTokens(request))
                                  .thenComparing(e -> -e.outstandingRequests())
                                  .thenComparing(e -> -e.index()))
                   .orElseThrow();
        // Only the first request of each group misses: 28 of 32 hit 992 of their 1008 tokens.
        assertThat(hitRate(mostCached)).isEqualTo(28 * 992 / (32 * 1008.0));
        // Round robin spreads each group over 3 pods: the first visit of each of the 12 (group, pod) pairs misses.
        assertThat(hitRate(RoutingPolicy.roundRobin())).isEqualTo(20 * 992 / (32 * 1008.0));
    }

    /** Returns the prefix-cache hit rate of 4 groups × 8 requests sharing a 992-token prefix, on 4 pods. */
    private static double hitRate(RoutingPolicy policy) {
        final DiscreteEventSimulation sim = new DiscreteEventSimulation(3).routing(policy);
        for (int i = 0; i < 4; i++) {
            sim.addEngine("pod-" + i, SimulatorConfig.builder("m").timeToFirstToken(ms(20))
                                                     .interTokenLatency(ms(5)).build());
        }
        for (int n = 0; n < 32; n++) {
            final int group = (n / 3) % 4;
            sim.submit(SimulatedRequest.builder("r" + n, ms(100L * n)).tokens(tokens(group * 10_000, 992))
                                       .tokens(tokens(500_000 + n * 100, 16)).outputTokens(4).build());
        }
        sim.run();
        long cached = 0;
        long prompt = 0;
        for (RequestRecord record : sim.records()) {
            cached += record.cachedTokens();
            prompt += record.promptTokens();
        }
        long hits = 0;
        long queries = 0;
        for (SimulatedEngine engine : sim.engines()) {
            hits += engine.prefixCacheHits();
            queries += engine.prefixCacheQueries();
        }
        assertThat(hits).isEqualTo(cached);
        assertThat(queries).isEqualTo(prompt);
        return (double) cached / prompt;
    }

    @Test
    void policiesSeeLiveStateAndListenersSeeEveryToken() {
        final DiscreteEventSimulation sim = new DiscreteEventSimulation(5);
        final SimulatedEngine pod = sim.addEngine("pod", SimulatorConfig.builder("m").loraAdapters(List.of("sql"))
                                                                        .maxLoras(1).build());
        final List<String> seen = new ArrayList<>();
        sim.routing((request, s) -> {
            seen.add(request.id() + " running=" + pod.snapshot().runningLoraAdapters() + " waiting=" +
                     pod.snapshot().waitingLoraAdapters());
            return pod;
        });
        final List<String> tokens = new ArrayList<>();
        sim.listener(new RequestListener() {
            @Override
            public void token(SimulatedRequest request, int index, Duration time) {
                tokens.add(request.id() + '#' + index + '@' + time.toMillis());
            }
        });
        sim.submit(SimulatedRequest.builder("a", Duration.ZERO).text("hello").loraAdapter("sql").outputTokens(2)
                                   .build());
        sim.submit(SimulatedRequest.builder("b", ms(1)).text("hello").loraAdapter("chat").outputTokens(1).build());
        sim.submit(SimulatedRequest.builder("c", ms(2)).text("hello").outputTokens(1).build());
        assertThat(sim.runUntil(ms(55))).isTrue();
        assertThat(sim.now()).isEqualTo(ms(55));
        sim.run();
        assertThat(seen).containsExactly("a running=[] waiting=[]",
                                         "b running=[sql] waiting=[]", "c running=[sql] waiting=[chat]");
        // a: prompt step [0, 50], decode [50, 60]; c joins at 50 beside it (TTFT 50 ms); b waits for sql's slot.
        assertThat(tokens).containsExactly("a#0@50", "a#1@100", "c#0@100", "b#0@150");
        assertThat(pod.outstandingRequests()).isZero();
    }

    @Test
    void rejectsBadArrivalsAndChoices() {
        final DiscreteEventSimulation sim = new DiscreteEventSimulation(1);
        sim.addEngine("pod", SimulatorConfig.builder("m").kvCacheBlocks(2).build());
        assertThatThrownBy(() -> sim.addEngine("pod", SimulatorConfig.builder("m").build()))
                .hasMessage("name: pod (expected: distinct engine names)");
        sim.runUntil(ms(10));
        assertThatThrownBy(() -> sim.submit(SimulatedRequest.builder("x", ms(5)).text("hi").build()))
                .hasMessage("arrival: PT0.005S (expected: >= now, PT0.01S)");
        assertThatThrownBy(() -> SimulatedRequest.builder("x", ms(5)).build())
                .hasMessage("prompt: 0 tokens (expected: 1..2147483647)");
        sim.submit(SimulatedRequest.builder("big", ms(20)).tokens(new int[30]).outputTokens(3).build());
        assertThatThrownBy(sim::run).isInstanceOf(IllegalArgumentException.class)
                                    .hasMessageContaining("30 + 3 tokens (expected: <= 32, the KV cache of engine pod)");
    }
}

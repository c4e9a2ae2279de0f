package dev.sluice.bench.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.sluice.simulator.SimulatedTokenizer;

class WorkloadsTest {

    @Test
    void segmentsEncodeToTheTokensOfTheirConcatenation() {
        final SplittableRandom random = new SplittableRandom(1);
        final Segment a = Segment.random(100, random);
        final Segment b = Segment.random(37, random);

        assertThat(a.tokenCount()).isEqualTo(100);
        assertThat(a.text()).hasSize(400).matches("[a-z ]+");
        final int[] joined = SimulatedTokenizer.encode(a.text() + b.text());
        final int[] parts = new int[137];
        System.arraycopy(a.tokens(), 0, parts, 0, 100);
        System.arraycopy(b.tokens(), 0, parts, 100, 37);
        assertThat(parts).isEqualTo(joined);
        assertThatThrownBy(() -> Segment.of("abc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Segment.of("abcé")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void poissonArrivalsHaveTheOfferedRate() {
        final long[] t = Arrivals.poisson(20_000, 8, new SplittableRandom(3));
        assertThat(t).isSorted();
        assertThat(t[0]).isPositive();
        assertThat(20_000 / (t[t.length - 1] / 1e9)).isCloseTo(8, within(0.2));
    }

    @Test
    void sharedPrefixCyclesThroughGroupsTimesPromptsOfSystemPlusQuestion() {
        final SharedPrefixWorkload w = new SharedPrefixWorkload(6, 5, 60, 12, 10);
        final List<PlannedRequest> plan = w.plan(75, 4, 7);

        assertThat(plan).hasSize(75);
        final Set<String> systems = new HashSet<>();
        final Set<String> prompts = new HashSet<>();
        for (PlannedRequest r : plan) {
            assertThat(r.segments()).hasSize(2);
            assertThat(r.segments().get(0).tokenCount()).isEqualTo(60);
            assertThat(r.segments().get(1).tokenCount()).isEqualTo(12);
            assertThat(r.promptTokens()).isEqualTo(72);
            assertThat(r.outputTokens()).isEqualTo(10);
            assertThat(r.adapter()).isNull();
            assertThat(r.after()).isNull();
            systems.add(r.segments().get(0).text());
            prompts.add(r.prompt());
        }
        assertThat(systems).hasSize(6);
        assertThat(prompts).hasSize(30);
        // Request i sends prompt i mod 30, as inference-perf cycles its shuffled prompts.
        assertThat(plan.get(31).prompt()).isEqualTo(plan.get(1).prompt());
        assertThat(plan.get(1).prompt()).isNotEqualTo(plan.get(2).prompt());
    }

    @Test
    void defaultSharedPrefixIsLlmDsB2bSaasShape() {
        final SharedPrefixWorkload w = SharedPrefixWorkload.DEFAULT;
        assertThat(List.of(w.groups(), w.promptsPerGroup(), w.systemTokens(), w.questionTokens(), w.outputTokens()))
                .containsExactly(150, 5, 6000, 1200, 1000);
        // 1.8 M distinct prompt tokens: 73% of eight 307,328-token pods.
        final long distinct = (long) w.groups() * w.systemTokens() +
                              (long) w.groups() * w.promptsPerGroup() * w.questionTokens();
        assertThat(distinct / (8 * 307_328.0)).isCloseTo(0.73, within(0.01));
        assertThat(w.scaled(0.1).systemTokens()).isEqualTo(600);
    }

    @Test
    void plansAreDeterministicAndPromptsDoNotDependOnTheLoad() {
        final Workload w = new SharedPrefixWorkload(4, 2, 32, 8, 4);
        final List<PlannedRequest> a = w.plan(20, 2, 1);
        final List<PlannedRequest> b = w.plan(20, 2, 1);
        final List<PlannedRequest> faster = w.plan(20, 4, 1);
        for (int i = 0; i < 20; i++) {
            assertThat(a.get(i).prompt()).isEqualTo(b.get(i).prompt()).isEqualTo(faster.get(i).prompt());
            assertThat(a.get(i).arrivalNanos()).isEqualTo(b.get(i).arrivalNanos());
        }
        assertThat(faster.get(19).arrivalNanos()).isLessThan(a.get(19).arrivalNanos());
        assertThat(w.plan(20, 2, 2).get(0).prompt()).isNotEqualTo(a.get(0).prompt());
    }

    @Test
    void lowSharingPromptsAreUniqueAndShareNoLeadingBlock() {
        final List<PlannedRequest> plan = new LowSharingWorkload(64, 8).plan(200, 10, 1);
        final Set<String> firstBlocks = new HashSet<>();
        for (PlannedRequest r : plan) {
            assertThat(r.promptTokens()).isEqualTo(64);
            assertThat(r.outputTokens()).isEqualTo(8);
            firstBlocks.add(r.prompt().substring(0, 64));
        }
        assertThat(firstBlocks).hasSize(200);
    }

    @Test
    void multiTurnPromptsExtendThePreviousTurnWithItsAnswer() {
        final MultiTurnWorkload w = new MultiTurnWorkload(4, 3, 40, 80, 8, 16);
        final List<PlannedRequest> plan = w.plan(60, 5, 1);
        final Map<String, PlannedRequest> byId = new HashMap<>();
        int turns = 0;
        for (PlannedRequest r : plan) {
            byId.put(r.id(), r);
            // Every prompt starts with the one shared system prompt.
            assertThat(r.segments().get(0).text()).isEqualTo(plan.get(0).segments().get(0).text());
            if (r.after() == null) {
                assertThat(r.promptTokens()).isEqualTo(40 + 80 + 8);
                continue;
            }
            turns++;
            final PlannedRequest previous = byId.get(r.after());
            assertThat(previous).isNotNull();
            assertThat(previous.index()).isLessThan(r.index());
            // previous prompt + its 16-token answer + an 8-token question
            assertThat(r.promptTokens()).isEqualTo(previous.promptTokens() + 16 + 8);
            assertThat(r.prompt()).startsWith(previous.prompt());
            assertThat(r.segments()).hasSize(previous.segments().size() + 2);
            assertThat(r.promptTokens()).isLessThanOrEqualTo(40 + 80 + 3 * 8 + 2 * 16);
        }
        assertThat(turns).isGreaterThan(30);
        assertThat(w.shape()).contains("4 users", "3 turns");
    }

    @Test
    void multiLoraSpreadsAdaptersByZipfWithOneSystemPromptEach() {
        final MultiLoraWorkload w = new MultiLoraWorkload(8, 1.0, 2, 32, 32, 8);
        assertThat(w.loraAdapters()).hasSize(8).startsWith("adapter-00").endsWith("adapter-07");
        final double[] p = w.popularity();
        assertThat(p[0] / p[1]).isCloseTo(2, within(1e-9));
        assertThat(p[0] / p[7]).isCloseTo(8, within(1e-9));
        final List<PlannedRequest> plan = w.plan(20_000, 10, 1);
        final Map<String, Integer> counts = new HashMap<>();
        final Map<String, String> systems = new HashMap<>();
        for (PlannedRequest r : plan) {
            counts.merge(r.adapter(), 1, Integer::sum);
            final String previous = systems.putIfAbsent(r.adapter(), r.segments().get(0).text());
            if (previous != null) {
                assertThat(r.segments().get(0).text()).isEqualTo(previous);
            }
        }
        assertThat(counts).hasSize(8);
        assertThat(counts.get("adapter-00") / 20_000.0).isCloseTo(p[0], within(0.015));
        assertThat(counts.get("adapter-07") / 20_000.0).isCloseTo(p[7], within(0.01));
        assertThat(new HashSet<>(systems.values())).hasSize(8);
        assertThat(w.maxLoras()).isEqualTo(2);
    }

    @Test
    void namesResolveAndUnknownOnesAreRejected() {
        for (String name : Workloads.NAMES) {
            assertThat(Workloads.byName(name, 1).name()).isEqualTo(name);
        }
        final Workload hot = Workloads.byName(HotPrefixWorkload.NAME, 1);
        assertThat(hot.name()).isEqualTo("hot-prefix");
        assertThat(hot.plan(400, 4, 1).stream().map(r -> r.segments().get(0).text()).distinct()).hasSize(2);
        assertThat(hot.withOutputTokens(7).plan(2, 1, 1).get(0).outputTokens()).isEqualTo(7);
        assertThatThrownBy(() -> Workloads.byName("nope", 1)).hasMessageContaining("expected: one of");
        assertThatThrownBy(() -> Workloads.byName(SharedPrefixWorkload.NAME, 0)).isInstanceOf(
                IllegalArgumentException.class);
        assertThat(Policy.byName("oracle")).isEqualTo(Policy.ORACLE);
        assertThat(Policy.NAMES).containsExactly("random", "round-robin", "least-queue", "gie-default",
                                                 "sluice-default", "oracle");
        assertThatThrownBy(() -> Policy.byName("fastest")).hasMessageContaining("expected: one of");
    }
}

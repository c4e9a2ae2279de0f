package dev.sluice.picker.scheduler;

import static dev.sluice.picker.scheduler.TestLoads.endpoint;
import static dev.sluice.picker.scheduler.TestLoads.fresh;
import static dev.sluice.picker.scheduler.TestLoads.stale;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.PickRequest;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.picker.metrics.LocalLoad;
import dev.sluice.picker.metrics.ModelServerMetrics;

class SchedulerTest {

    private static final List<Endpoint> POOL = List.of(endpoint(1), endpoint(2), endpoint(3), endpoint(4));

    private static PickRequest request(String prompt) {
        return new PickRequest("pool", "m", 0, prompt);
    }

    private static Scheduler scheduler(String profile, EndpointLoadSource loads) {
        return new Scheduler(SchedulerProfiles.byName(profile), loads, new PrefixIndex(), new SplittableRandom(1));
    }

    private static TestLoads idle() {
        final TestLoads loads = new TestLoads();
        for (Endpoint e : POOL) {
            loads.put(fresh(e, 0, 0.1));
        }
        return loads;
    }

    @Test
    void returnsEveryEndpointAsFallbacks() {
        for (String profile : SchedulerProfiles.names()) {
            final List<Endpoint> order = scheduler(profile, idle()).pick(request("hello"), POOL);
            assertThat(order).as(profile).containsExactlyInAnyOrderElementsOf(POOL);
        }
        assertThat(scheduler("sluice-default", idle()).pick(request("x"), List.of())).isEmpty();
    }

    @Test
    void sendsASharedPrefixBackToTheEndpointThatCachedIt() {
        for (String profile : List.of("sluice-default", "gie-default")) {
            final Scheduler s = scheduler(profile, idle());
            final String system = BlockHasherTest.text(4000, 's');
            final Endpoint first = s.pick(request(system + " question one"), POOL).get(0);
            for (int i = 0; i < 5; i++) {
                assertThat(s.pick(request(system + " question " + i), POOL).get(0)).as(profile).isEqualTo(first);
            }
            assertThat(s.prefixIndex().blockCount(first.authority())).isEqualTo(62);
        }
    }

    @Test
    void aCachedPrefixSpillsOverOnlyFromAnEndpointFullerInQueueAndMemory() {
        final TestLoads loads = idle();
        final Scheduler s = scheduler("sluice-default", loads);
        final String system = BlockHasherTest.text(4000, 's');
        final Schedule first = s.schedule(request(system), POOL);
        final Endpoint sticky = first.endpoints().get(0);
        first.sentTo(sticky);
        assertThat(s.schedule(request(system + "?"), POOL).hitRatio()).isEqualTo(1);
        // A longer queue alone does not move a cached prefix: recomputing it elsewhere costs more.
        loads.put(fresh(sticky, 12, 0.5));
        assertThat(s.pick(request(system + "?"), POOL).get(0)).isEqualTo(sticky);
        // A queue and a nearly full KV cache, next to idle endpoints, is a hot prefix: it spills over.
        loads.put(fresh(sticky, 12, 0.95));
        final Schedule spilled = s.schedule(request(system + "?"), POOL);
        assertThat(spilled.endpoints().get(0)).isNotEqualTo(sticky);
        assertThat(spilled.matchedBlocks(sticky)).isEqualTo(62);
        // The load-aware prefix scorer, as the earlier default used it, yields to the queue alone.
        final SchedulerProfile fading = SchedulerProfile.builder("fading")
                .scorer(new LoadAwarePrefixScorer(SchedulerProfiles.STICKY_QUEUE_LIMIT), 3)
                .scorer(new QueueScorer(true), 2)
                .build();
        final Scheduler f = new Scheduler(fading, loads, new PrefixIndex(), new SplittableRandom(1));
        f.schedule(request(system), POOL).sentTo(sticky);
        loads.put(fresh(sticky, 12, 0.5));
        assertThat(f.pick(request(system + "?"), POOL).get(0)).isNotEqualTo(sticky);
        // GIE's default stays: its queue score is relative and prefix weighs more.
        final Scheduler gie = scheduler("gie-default", loads);
        gie.schedule(request(system), POOL).sentTo(sticky);
        assertThat(gie.pick(request(system + "?"), POOL).get(0)).isEqualTo(sticky);
    }

    @Test
    void staleEndpointsDoNotWinAndNothingFreshFallsBackToInFlightCounts() {
        final TestLoads loads = new TestLoads().put(stale(endpoint(1), 0, 0)).put(fresh(endpoint(2), 3, 0.6));
        assertThat(scheduler("least-queue", loads).pick(request(""), List.of(endpoint(1), endpoint(2))))
                .containsExactly(endpoint(2), endpoint(1));
        final TestLoads cold = new TestLoads().put(TestLoads.unknown(endpoint(1), 3, 300))
                                              .put(TestLoads.unknown(endpoint(2), 1, 100))
                                              .put(TestLoads.unknown(endpoint(3), 2, 200));
        assertThat(scheduler("sluice-default", cold).pick(request(""), List.of(endpoint(1), endpoint(2), endpoint(3))))
                .containsExactly(endpoint(2), endpoint(3), endpoint(1));
    }

    @Test
    void metricsGoStaleAsTheInjectedClockMoves() {
        final AtomicLong now = new AtomicLong(1_000_000_000L);
        final EndpointMetricsStore store = new EndpointMetricsStore(now::get, Duration.ofMillis(200), new LocalLoad());
        store.startScrape(endpoint(1).authority(), "vllm").succeeded(TestLoads.metrics(0, 0));
        now.addAndGet(Duration.ofMillis(150).toNanos());
        store.startScrape(endpoint(2).authority(), "vllm").succeeded(TestLoads.metrics(3, 0.5));
        final Scheduler s = scheduler("least-queue", store::load);
        final List<Endpoint> two = List.of(endpoint(2), endpoint(1));
        assertThat(s.pick(request(""), two)).containsExactly(endpoint(1), endpoint(2));
        now.addAndGet(Duration.ofMillis(100).toNanos()); // endpoint 1's scrape is now 250 ms old
        assertThat(s.pick(request(""), two)).containsExactly(endpoint(2), endpoint(1));
    }

    @Test
    void consecutivePicksBetweenScrapesSeeEachOther() {
        // Low sharing: every endpoint scraped idle with slightly different KV usage. Requests sent between two
        // scrapes must spread out rather than all go to the emptiest cache, where their prefills would share steps.
        final AtomicLong now = new AtomicLong(1_000_000_000L);
        final LocalLoad local = new LocalLoad();
        final EndpointMetricsStore store = new EndpointMetricsStore(now::get, Duration.ofMillis(200), local);
        for (int i = 0; i < POOL.size(); i++) {
            store.startScrape(POOL.get(i).authority(), "vllm")
                 .succeeded(new ModelServerMetrics(0, 10, 0.30 + 0.01 * i, List.of(), List.of(), 0, 19_208, 16));
        }
        // Each earlier request has finished (freeing room) but none has produced its first token: still pending.
        final java.util.Set<Endpoint> chosen = new java.util.HashSet<>();
        for (int i = 0; i < POOL.size(); i++) {
            local.onSend(POOL.get(i), 300).onFinish();
        }
        final Scheduler s = scheduler("sluice-default", store::load);
        for (int i = 0; i < POOL.size(); i++) {
            final String prompt = BlockHasherTest.text(4000, (char) ('a' + i));
            final Schedule schedule = s.schedule(request(prompt), POOL);
            final Endpoint first = schedule.endpoints().get(0);
            schedule.sentTo(first);
            local.onSend(first, LocalLoad.estimateTokens(prompt.length(), 200));
            chosen.add(first);
        }
        assertThat(chosen).containsExactlyInAnyOrderElementsOf(POOL);
    }

    @Test
    void aFilterThatWouldRemoveEveryEndpointIsSkipped() {
        final SchedulerProfile profile = SchedulerProfile.builder("filtered")
                .filter(new SaturationFilter(new SaturationDetector(), 0))
                .scorer(new QueueScorer(true), 1)
                .build();
        final TestLoads full = new TestLoads().put(fresh(endpoint(1), 9, 0.1)).put(fresh(endpoint(2), 7, 0.1));
        final Scheduler s = new Scheduler(profile, full, new PrefixIndex(), new SplittableRandom(1));
        assertThat(s.pick(request(""), List.of(endpoint(1), endpoint(2)))).containsExactly(endpoint(2), endpoint(1));
        // With one endpoint below the thresholds, the full ones are last-resort fallbacks, fewest in flight first.
        full.put(fresh(endpoint(3), 1, 0.1)).put(TestLoads.load(endpoint(1), dev.sluice.picker.metrics.MetricsState.FRESH,
                                                                TestLoads.metrics(9, 0.1), 0, 0))
            .put(TestLoads.load(endpoint(2), dev.sluice.picker.metrics.MetricsState.FRESH,
                                TestLoads.metrics(7, 0.1), 4, 0));
        assertThat(s.pick(request(""), List.of(endpoint(2), endpoint(1), endpoint(3))))
                .containsExactly(endpoint(3), endpoint(1), endpoint(2));
    }

    @Test
    void recordsPrefixesWithinTheEndpointsKvCapacity() {
        final TestLoads loads = idle();
        // 4 KV blocks of 16 tokens: room for 4 of the prompt's 64-character blocks.
        loads.put(TestLoads.load(endpoint(1), dev.sluice.picker.metrics.MetricsState.FRESH,
                                 new ModelServerMetrics(0, 0, 0.1, List.of(), List.of(), 0, 4, 16), 0, 0));
        final Scheduler s = scheduler("sluice-default", loads);
        final Schedule schedule = s.schedule(request(BlockHasherTest.text(640, 'q')), List.of(endpoint(1)));
        schedule.sentTo(endpoint(1));
        assertThat(s.prefixIndex().blockCount(endpoint(1).authority())).isEqualTo(4);
    }

    @Test
    void namesProfilesAndRejectsUnknownOnes() {
        assertThat(SchedulerProfiles.names())
                .containsExactly("sluice-default", "gie-default", "least-queue", "round-robin", "random");
        assertThat(SchedulerProfiles.byName("gie-default").scorers()).extracting(w -> w.weight())
                                                                   .containsExactly(3.0, 2.0, 2.0);
        assertThatThrownBy(() -> SchedulerProfiles.byName("fastest"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scheduler profile: fastest (expected: one of sluice-default, gie-default, least-queue, " +
                            "round-robin, random)");
    }
}

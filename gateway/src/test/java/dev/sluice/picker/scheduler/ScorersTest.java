package dev.sluice.picker.scheduler;

import static dev.sluice.picker.scheduler.TestLoads.candidate;
import static dev.sluice.picker.scheduler.TestLoads.context;
import static dev.sluice.picker.scheduler.TestLoads.endpoint;
import static dev.sluice.picker.scheduler.TestLoads.fresh;
import static dev.sluice.picker.scheduler.TestLoads.score;
import static dev.sluice.picker.scheduler.TestLoads.stale;
import static dev.sluice.picker.scheduler.TestLoads.unknown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.picker.metrics.EndpointLoad;
import dev.sluice.picker.metrics.EndpointMetricsSnapshot;
import dev.sluice.picker.metrics.MetricsState;

class ScorersTest {

    @Test
    void queueScorerIsMinMaxOverWaiting() {
        final List<Candidate> c = List.of(candidate(fresh(endpoint(1), 0, 0), 0),
                                          candidate(fresh(endpoint(2), 5, 0), 0),
                                          candidate(fresh(endpoint(3), 10, 0), 0));
        assertThat(score(new QueueScorer(true), context("m", 0, true), c)).containsExactly(1, 0.5, 0);
        final List<Candidate> equal = List.of(candidate(fresh(endpoint(1), 3, 0), 0),
                                              candidate(fresh(endpoint(2), 3, 0), 0));
        assertThat(score(new QueueScorer(true), context("m", 0, true), equal)).containsExactly(1, 1);
    }

    @Test
    void staleEndpointsCannotWinOnOldNumbers() {
        // The stale endpoint last reported an empty queue and cache; it scores 0 on both.
        final List<Candidate> c = List.of(candidate(stale(endpoint(1), 0, 0), 0),
                                          candidate(fresh(endpoint(2), 4, 0.5), 0));
        assertThat(score(new QueueScorer(true), context("m", 0, true), c)).containsExactly(0, 1);
        assertThat(score(new QueueScorer(false), context("m", 0, true), c)).containsExactly(0, 1);
        assertThat(score(new KvCacheScorer(true), context("m", 0, true), c)).containsExactly(0, 0.5);
    }

    @Test
    void withNoFreshEndpointLoadScorersUseTheGatewaysOwnCounts() {
        final List<Candidate> c = List.of(candidate(unknown(endpoint(1), 4, 4000), 0),
                                          candidate(unknown(endpoint(2), 0, 0), 0),
                                          candidate(unknown(endpoint(3), 2, 1000), 0));
        assertThat(score(new QueueScorer(true), context("m", 0, false), c)).containsExactly(0, 1, 0.5);
        assertThat(score(new KvCacheScorer(true), context("m", 0, false), c)).containsExactly(0, 1, 0.75);
    }

    @Test
    void queueScorerUsesEstimatesOrScrapedValues() {
        // Scraped: 2 waiting; this gateway sent 6 more since the scrape started and none finished.
        final EndpointLoad busy = new EndpointLoad(
                new EndpointMetricsSnapshot(endpoint(1).authority(), "vllm", MetricsState.FRESH,
                                            TestLoads.metrics(2, 0.1), 0, 0, null), 6, 6, 600, 6, 0, 600);
        final List<Candidate> c = List.of(candidate(busy, 0), candidate(fresh(endpoint(2), 4, 0.1), 0));
        assertThat(score(new QueueScorer(true), context("m", 0, true), c)).containsExactly(0, 1);
        assertThat(score(new QueueScorer(false), context("m", 0, true), c)).containsExactly(1, 0);
    }

    @Test
    void kvCacheScorerIsOneMinusUsage() {
        final List<Candidate> c = List.of(candidate(fresh(endpoint(1), 0, 0.25), 0),
                                          candidate(fresh(endpoint(2), 0, Double.NaN), 0));
        assertThat(score(new KvCacheScorer(false), context("m", 0, true), c)).containsExactly(0.75, 0.5);
    }

    @Test
    void prefixScorerIsMatchedOverTotal() {
        final List<Candidate> c = List.of(candidate(fresh(endpoint(1), 0, 0), 10),
                                          candidate(fresh(endpoint(2), 0, 0), 0),
                                          candidate(stale(endpoint(3), 0, 0), 40));
        assertThat(score(new PrefixCacheScorer(), context("m", 40, true), c)).containsExactly(0.25, 0, 1);
        assertThat(score(new PrefixCacheScorer(), context("m", 0, true), c)).containsExactly(0, 0, 0);
    }

    @Test
    void loadAwarePrefixScorerFadesWithTheQueue() {
        final List<Candidate> c = List.of(candidate(fresh(endpoint(1), 0, 0), 40),
                                          candidate(fresh(endpoint(2), 4, 0), 40),
                                          candidate(fresh(endpoint(3), 8, 0), 40),
                                          candidate(fresh(endpoint(4), 2, 0), 20),
                                          candidate(stale(endpoint(5), 0, 0), 40));
        assertThat(score(new LoadAwarePrefixScorer(8), context("m", 40, true), c))
                .containsExactly(1, 0.5, 0, 0.375, 0);
    }

    @Test
    void loraAffinityPrefersLoadedThenFreeSlotThenWaiting() {
        final List<Candidate> c = List.of(
                candidate(TestLoads.load(endpoint(1), MetricsState.FRESH,
                                         TestLoads.lora(List.of("sql"), List.of(), 2), 0, 0), 0),
                candidate(TestLoads.load(endpoint(2), MetricsState.FRESH,
                                         TestLoads.lora(List.of("chat"), List.of(), 2), 0, 0), 0),
                candidate(TestLoads.load(endpoint(3), MetricsState.FRESH,
                                         TestLoads.lora(List.of("chat"), List.of("sql"), 2), 0, 0), 0),
                candidate(TestLoads.load(endpoint(4), MetricsState.FRESH,
                                         TestLoads.lora(List.of("chat", "x"), List.of(), 2), 0, 0), 0),
                candidate(TestLoads.load(endpoint(5), MetricsState.STALE,
                                         TestLoads.lora(List.of("sql"), List.of(), 2), 0, 0), 0));
        assertThat(score(new LoraAffinityScorer(), context("sql", 0, true), c)).containsExactly(1, 0.8, 0.6, 0, 0);
        // A base-model request, which no endpoint lists, is neutral... unless endpoints report LoRA slots.
        final List<Candidate> plain = List.of(candidate(fresh(endpoint(1), 0, 0), 0),
                                              candidate(fresh(endpoint(2), 0, 0), 0));
        assertThat(score(new LoraAffinityScorer(), context("llama", 0, true), plain)).containsExactly(1, 1);
    }

    @Test
    void inFlightScorerCountsRequestsOrTokens() {
        final List<Candidate> c = List.of(candidate(unknown(endpoint(1), 1, 9000), 0),
                                          candidate(unknown(endpoint(2), 3, 1000), 0));
        assertThat(score(new InFlightScorer(false), context("m", 0, true), c)).containsExactly(1, 0);
        assertThat(score(new InFlightScorer(true), context("m", 0, true), c)).containsExactly(0, 1);
    }

    @Test
    void saturationFilterDropsFullAndStaleEndpoints() {
        final SaturationFilter filter = new SaturationFilter(new SaturationDetector(), 0);
        final SchedulingContext ctx = context("m", 0, true);
        assertThat(filter.keep(ctx, candidate(fresh(endpoint(1), 4, 0.79), 0))).isTrue();
        assertThat(filter.keep(ctx, candidate(fresh(endpoint(1), 5, 0.1), 0))).isFalse();
        assertThat(filter.keep(ctx, candidate(fresh(endpoint(1), 0, 0.8), 0))).isFalse();
        assertThat(filter.keep(ctx, candidate(stale(endpoint(1), 0, 0), 0))).isFalse();
        assertThat(new SaturationFilter(new SaturationDetector(), 0.25)
                           .keep(ctx, candidate(fresh(endpoint(1), 6, 0.1), 0))).isTrue();
        // Nothing is fresh: the filter cannot tell, so it keeps everyone.
        assertThat(filter.keep(context("m", 0, false), candidate(unknown(endpoint(1), 9, 0), 0))).isTrue();
    }

    @Test
    void prefixAffinityFilterKeepsStickyEndpoints() {
        final PrefixAffinityFilter filter = new PrefixAffinityFilter(0.8);
        assertThat(filter.keep(context("m", 10, true), candidate(fresh(endpoint(1), 0, 0), 8))).isTrue();
        assertThat(filter.keep(context("m", 10, true), candidate(fresh(endpoint(1), 0, 0), 7))).isFalse();
        assertThat(filter.keep(context("m", 0, true), candidate(fresh(endpoint(1), 0, 0), 0))).isTrue();
    }

    @Test
    void saturationDetectorIsACappedRoofline() {
        final SaturationDetector d = new SaturationDetector();
        assertThat(d.saturation(fresh(endpoint(1), 0, 0))).isZero();
        assertThat(d.saturation(fresh(endpoint(1), 2.5, 0.2))).isCloseTo(0.5, within(1e-9));
        assertThat(d.saturation(fresh(endpoint(1), 1, 0.6))).isCloseTo(0.75, within(1e-9));
        assertThat(d.saturation(fresh(endpoint(1), 50, 0))).isEqualTo(1);
        assertThat(d.saturation(stale(endpoint(1), 0, 0))).isEqualTo(1);
        assertThat(d.saturation(unknown(endpoint(1), 0, 0))).isEqualTo(1);
        assertThat(d.saturation(fresh(endpoint(1), Double.NaN, Double.NaN))).isEqualTo(1);
        // Pools: the mean; one overloaded endpoint does not saturate a pool of idle ones; stale counts as full.
        assertThat(d.saturation(List.of(fresh(endpoint(1), 50, 0.9), fresh(endpoint(2), 0, 0)))).isEqualTo(0.5);
        assertThat(d.saturation(List.of(fresh(endpoint(1), 5, 0.1), stale(endpoint(2), 0, 0)))).isEqualTo(1);
        assertThat(d.saturation(List.of(fresh(endpoint(1), 4, 0.1), stale(endpoint(2), 0, 0)))).isLessThan(1);
        assertThat(d.saturation(List.<EndpointLoad>of())).isEqualTo(1);
        final TestLoads loads = new TestLoads().put(fresh(endpoint(1), 0, 0.4));
        assertThat(d.saturation(List.of(endpoint(1), endpoint(2)), loads)).isEqualTo(0.75); // 2 is unknown
    }

    @Test
    void prefillsInProgressArePendingForScorersButNotQueuedForSaturation() {
        // Scraped with an empty queue; 8 of this gateway's requests, sent before the scrape, have no token yet.
        final EndpointLoad prefilling = new EndpointLoad(
                new EndpointMetricsSnapshot(endpoint(1).authority(), "vllm", MetricsState.FRESH,
                                            TestLoads.metrics(0, 0.1), 0, 0, null), 8, 8, 800, 0, 0, 0);
        assertThat(prefilling.estimatedWaiting()).isZero();
        assertThat(prefilling.estimatedPending()).isEqualTo(8);
        assertThat(new SaturationDetector().saturation(prefilling)).isCloseTo(0.125, within(1e-9)); // KV 0.1 / 0.8
        final List<Candidate> c = List.of(candidate(prefilling, 0), candidate(fresh(endpoint(2), 1, 0.1), 0));
        assertThat(score(new QueueScorer(true), context("m", 0, true), c)).containsExactly(0, 1);
    }
}

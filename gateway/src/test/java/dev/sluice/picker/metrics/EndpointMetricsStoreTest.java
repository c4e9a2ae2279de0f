package dev.sluice.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class EndpointMetricsStoreTest {

    private static final String A = "127.0.0.21:8000";
    private static final Duration BOUND = Duration.ofMillis(200);

    private final FakeTicker ticker = new FakeTicker();
    private final LocalLoad local = new LocalLoad();
    private final EndpointMetricsStore store = new EndpointMetricsStore(ticker, BOUND, local);

    private static ModelServerMetrics metrics(double waiting, double running, double kv) {
        return new ModelServerMetrics(waiting, running, kv, List.of("a"), List.of(), 4, 1000, 16);
    }

    @Test
    void unknownUntilFirstOutcome() {
        assertThat(store.snapshot(A).state()).isEqualTo(MetricsState.UNKNOWN);
        store.startScrape(A, "vllm");
        final EndpointMetricsSnapshot s = store.snapshot(A);
        assertThat(s.state()).isEqualTo(MetricsState.UNKNOWN);
        assertThat(s.ageNanos()).isEqualTo(-1);
        assertThat(s.metrics()).isEqualTo(ModelServerMetrics.UNKNOWN);
        assertThat(store.load(A).estimatedWaiting()).isInfinite();
    }

    @Test
    void freshThenStaleAtTheBound_measuredFromScrapeStart() {
        final EndpointMetricsStore.Scrape scrape = store.startScrape(A, "vllm");
        ticker.advance(Duration.ofMillis(30)); // the scrape's round trip
        scrape.succeeded(metrics(2, 5, 0.5));
        EndpointMetricsSnapshot s = store.snapshot(A);
        assertThat(s.state()).isEqualTo(MetricsState.FRESH);
        assertThat(s.ageNanos()).isEqualTo(Duration.ofMillis(30).toNanos());
        assertThat(s.engine()).isEqualTo("vllm");

        ticker.advance(Duration.ofMillis(170)); // exactly the bound
        assertThat(store.snapshot(A).state()).isEqualTo(MetricsState.FRESH);
        ticker.advance(Duration.ofNanos(1));
        s = store.snapshot(A);
        assertThat(s.state()).isEqualTo(MetricsState.STALE);
        assertThat(s.metrics().waitingRequests()).isEqualTo(2); // the last values stay readable
        final EndpointLoad load = store.load(A);
        assertThat(load.isFresh()).isFalse();
        assertThat(load.estimatedWaiting()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(load.estimatedKvCacheUsage()).isEqualTo(1.0);
    }

    @Test
    void failureKeepsFreshMetricsUntilTheBound_thenFails_thenRecovers() {
        store.startScrape(A, "vllm").succeeded(metrics(1, 1, 0.1));
        ticker.advance(Duration.ofMillis(50));
        store.startScrape(A, "vllm").failed("HTTP 503 from http://127.0.0.21:8000/metrics");
        EndpointMetricsSnapshot s = store.snapshot(A);
        assertThat(s.state()).isEqualTo(MetricsState.FRESH);
        assertThat(s.consecutiveFailures()).isEqualTo(1);
        assertThat(s.lastError()).isEqualTo("HTTP 503 from http://127.0.0.21:8000/metrics");

        ticker.advance(Duration.ofMillis(50));
        store.startScrape(A, "vllm").failed("timed out after 1000 ms");
        ticker.advance(Duration.ofMillis(101));
        s = store.snapshot(A);
        assertThat(s.state()).isEqualTo(MetricsState.FAILED);
        assertThat(s.consecutiveFailures()).isEqualTo(2);
        assertThat(s.lastError()).isEqualTo("timed out after 1000 ms");
        assertThat(s.ageNanos()).isEqualTo(Duration.ofMillis(201).toNanos());

        store.startScrape(A, "vllm").succeeded(metrics(3, 3, 0.3));
        s = store.snapshot(A);
        assertThat(s.state()).isEqualTo(MetricsState.FRESH);
        assertThat(s.consecutiveFailures()).isZero();
        assertThat(s.lastError()).isNull();
        assertThat(s.metrics().waitingRequests()).isEqualTo(3);
    }

    @Test
    void failedFromTheStart() {
        store.startScrape(A, "sglang").failed("ConnectException: Connection refused");
        final EndpointMetricsSnapshot s = store.snapshot(A);
        assertThat(s.state()).isEqualTo(MetricsState.FAILED);
        assertThat(s.ageNanos()).isEqualTo(-1);
        assertThat(s.engine()).isEqualTo("sglang");
    }

    @Test
    void ignoresSecondOutcomes_olderScrapes_andRemovedEndpoints() {
        final EndpointMetricsStore.Scrape older = store.startScrape(A, "vllm");
        ticker.advance(Duration.ofMillis(10));
        final EndpointMetricsStore.Scrape newer = store.startScrape(A, "vllm");
        newer.succeeded(metrics(5, 5, 0.5));
        newer.failed("ignored: the handle already has its outcome");
        older.succeeded(metrics(9, 9, 0.9)); // finished after a newer success: ignored
        final EndpointMetricsStore.Scrape olderStill = store.startScrape(A, "vllm");
        ticker.advance(Duration.ofMillis(10));
        store.startScrape(A, "vllm").succeeded(metrics(5, 5, 0.5));
        olderStill.failed("ignored too: a later scrape succeeded");
        assertThat(store.snapshot(A).metrics().waitingRequests()).isEqualTo(5);
        assertThat(store.snapshot(A).consecutiveFailures()).isZero();

        final EndpointMetricsStore.Scrape inFlight = store.startScrape(A, "vllm");
        store.remove(A);
        inFlight.succeeded(metrics(7, 7, 0.7));
        assertThat(store.authorities()).isEmpty();
        assertThat(store.snapshot(A).state()).isEqualTo(MetricsState.UNKNOWN);
    }

    @Test
    void loadAddsRequestsSentSinceTheScrapeStarted() {
        final LocalLoad.InFlight before = local.onSend(A, 100);
        final EndpointMetricsStore.Scrape scrape = store.startScrape(A, "vllm");
        // Sent while the scrape is in flight: counted again on top of the scraped numbers (errs high).
        final LocalLoad.InFlight during = local.onSend(A, 100);
        scrape.succeeded(metrics(2, 8, 0.5)); // capacity 1000 blocks * 16 = 16000 tokens

        EndpointLoad load = store.load(A);
        assertThat(load.inFlightRequests()).isEqualTo(2);
        assertThat(load.sentSinceScrape()).isEqualTo(1);
        assertThat(load.estimatedWaiting()).isEqualTo(3);

        // A burst between scrapes is visible at once.
        for (int i = 0; i < 4; i++) {
            local.onSend(A, 800);
        }
        load = store.load(A);
        assertThat(load.sentSinceScrape()).isEqualTo(5);
        assertThat(load.estimatedWaiting()).isEqualTo(7);
        assertThat(load.inFlightTokens()).isEqualTo(3400);
        assertThat(load.tokensSinceScrape()).isEqualTo(3300);
        assertThat(load.estimatedKvCacheUsage()).isEqualTo(0.5 + 3300 / 16000.0);

        // Finished requests admit the scraped waiting ones; the four sent since, without a token, still wait.
        before.onFinish();
        during.onFinish();
        during.onFinish(); // idempotent
        load = store.load(A);
        assertThat(load.finishedSinceScrape()).isEqualTo(2);
        assertThat(load.inFlightRequests()).isEqualTo(4);
        assertThat(load.awaitingFirstToken()).isEqualTo(4);
        assertThat(load.estimatedWaiting()).isEqualTo(4);

        // The next scrape resets the baseline.
        store.startScrape(A, "vllm").succeeded(metrics(4, 8, 0.7));
        load = store.load(A);
        assertThat(load.sentSinceScrape()).isZero();
        assertThat(load.estimatedWaiting()).isEqualTo(4);
        assertThat(load.estimatedKvCacheUsage()).isEqualTo(0.7);
    }

    @Test
    void finishesCancelScrapedWaitingRequestsButNotRequestsSentSince() {
        store.startScrape(A, "vllm").succeeded(metrics(1, 8, 0.5));
        final LocalLoad.InFlight old = local.onSend(A, 100);
        old.onFinish();
        local.onSend(A, 100).onFinish();
        // Two finishes: the one scraped waiting request is admitted, the second finish frees room nobody waits for.
        assertThat(store.load(A).estimatedWaiting()).isZero();
        // A request sent now is pending whatever finished before it.
        local.onSend(A, 100);
        assertThat(store.load(A).estimatedWaiting()).isEqualTo(1);
        assertThat(store.load(A).estimatedPending()).isEqualTo(1);
    }

    @Test
    void requestsWithoutAFirstTokenCountAsWaitingEvenAfterAScrapeShowsThemRunning() {
        final LocalLoad.InFlight a = local.onSend(A, 100);
        final LocalLoad.InFlight b = local.onSend(A, 100);
        store.startScrape(A, "vllm").succeeded(metrics(0, 2, 0.5)); // both admitted, in prefill
        EndpointLoad load = store.load(A);
        assertThat(load.awaitingFirstToken()).isEqualTo(2);
        // The server's queue is empty (what saturation reads), but two prefills are pending (what scorers read).
        assertThat(load.estimatedWaiting()).isZero();
        assertThat(load.estimatedPending()).isEqualTo(2);
        a.onFirstToken();
        a.onFirstToken(); // idempotent
        assertThat(store.load(A).estimatedPending()).isEqualTo(1);
        b.onFinish(); // finishing without a token (an error, a non-streamed answer) ends the wait too
        load = store.load(A);
        assertThat(load.awaitingFirstToken()).isZero();
        assertThat(local.awaitingFirstToken(A)).isZero();
        assertThat(load.estimatedPending()).isZero();
        a.onFinish();
        assertThat(local.awaitingFirstToken(A)).isZero();
        assertThat(local.inFlight(A)).isZero();
    }

    @Test
    void estimatesAreUnknownWhenTheEngineDoesNotReport() {
        store.startScrape(A, "x").succeeded(
                new ModelServerMetrics(Double.NaN, 1, Double.NaN, List.of(), List.of(), 0, 0, 0));
        local.onSend(A, 10);
        assertThat(store.load(A).estimatedWaiting()).isNaN();
        assertThat(store.load(A).estimatedPending()).isNaN();
        assertThat(store.load(A).estimatedKvCacheUsage()).isNaN();
    }

    @Test
    void estimatedKvIsClampedAndUsesScrapedValueWithoutCapacity() {
        store.startScrape(A, "vllm").succeeded(
                new ModelServerMetrics(0, 0, 0.9, List.of(), List.of(), 0, 10, 16));
        local.onSend(A, 1000);
        assertThat(store.load(A).estimatedKvCacheUsage()).isEqualTo(1.0);
        store.startScrape(A, "vllm").succeeded(
                new ModelServerMetrics(0, 0, 0.9, List.of(), List.of(), 0, 0, 0));
        local.onSend(A, 1000);
        assertThat(store.load(A).estimatedKvCacheUsage()).isEqualTo(0.9);
    }

    @Test
    void describeIsJsonReady() {
        store.startScrape("b:1", "vllm").succeeded(metrics(2, 5, 0.25));
        store.startScrape("a:1", "sglang").failed("HTTP 500 from http://a:1/metrics");
        store.startScrape("c:1", "vllm").succeeded(metrics(Double.NaN, 1, 0.5));
        local.onSend("b:1", 40);
        ticker.advance(Duration.ofMillis(12));

        final List<Map<String, Object>> rows = store.describe();
        assertThat(rows).extracting(r -> r.get("authority")).containsExactly("a:1", "b:1", "c:1");
        final Map<String, Object> a = rows.get(0);
        assertThat(a).containsEntry("state", "FAILED").containsEntry("ageMillis", null)
                     .containsEntry("consecutiveFailures", 1)
                     .containsEntry("lastError", "HTTP 500 from http://a:1/metrics")
                     .containsEntry("waiting", null).containsEntry("estimatedWaiting", null)
                     .containsEntry("engine", "sglang");
        final Map<String, Object> b = rows.get(1);
        assertThat(b).containsEntry("state", "FRESH").containsEntry("ageMillis", 12L)
                     .containsEntry("waiting", 2.0).containsEntry("running", 5.0)
                     .containsEntry("kvCacheUsage", 0.25).containsEntry("runningLoraAdapters", List.of("a"))
                     .containsEntry("maxLoras", 4).containsEntry("kvCacheBlocks", 1000L)
                     .containsEntry("blockSize", 16).containsEntry("inFlight", 1)
                     .containsEntry("inFlightTokens", 40L).containsEntry("awaitingFirstToken", 1)
                     .containsEntry("estimatedWaiting", 3.0);
        assertThat(rows.get(2)).containsEntry("waiting", null);
        assertThat(b.keySet()).containsExactly("authority", "engine", "state", "ageMillis", "consecutiveFailures",
                                               "lastError", "waiting", "running", "kvCacheUsage",
                                               "runningLoraAdapters", "waitingLoraAdapters", "maxLoras",
                                               "kvCacheBlocks", "blockSize", "inFlight", "inFlightTokens",
                                               "awaitingFirstToken", "estimatedWaiting", "estimatedPending");
    }

    @Test
    void localLoadEstimatesTokensAndValidates() {
        assertThat(LocalLoad.estimateTokens(10, 100)).isEqualTo(103);
        assertThat(LocalLoad.estimateTokens(0, 0)).isZero();
        assertThat(LocalLoad.estimateTokens(8, -1)).isEqualTo(2);
        assertThatThrownBy(() -> local.onSend(A, -1)).isInstanceOf(IllegalArgumentException.class)
                                                     .hasMessage("estimatedTokens: -1 (expected: >= 0)");
        assertThat(local.inFlight("unknown:1")).isZero();
    }

    @Test
    void rejectsNonPositiveStalenessBound() {
        assertThatThrownBy(() -> new EndpointMetricsStore(ticker, Duration.ZERO, local))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stalenessBound: PT0S (expected: > 0)");
    }
}

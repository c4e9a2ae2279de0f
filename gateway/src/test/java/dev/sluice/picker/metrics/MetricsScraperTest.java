package dev.sluice.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Drives the scraper with a fake clock, scheduler and fetcher: every transition is deterministic, nothing sleeps. */
class MetricsScraperTest {

    private static final String VLLM_PAGE = """
            vllm:num_requests_waiting{engine="0",model_name="m"} 2.0
            vllm:num_requests_running{engine="0",model_name="m"} 6.0
            vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.5
            """;
    private static final ScrapeTarget A =
            new ScrapeTarget("127.0.0.21:8000", "127.0.0.21", 8000, "/metrics", EngineMetricsMapping.VLLM);
    private static final ScrapeTarget B =
            new ScrapeTarget("127.0.0.22:8000", "127.0.0.22", 8002, "/metrics", EngineMetricsMapping.TRITON_TRTLLM);

    private final FakeTicker ticker = new FakeTicker();
    private final FakeScheduler scheduler = new FakeScheduler(ticker);
    private final FakeFetcher fetcher = new FakeFetcher();
    private final EndpointMetricsStore store =
            new EndpointMetricsStore(ticker, Duration.ofMillis(200), new LocalLoad());
    private final MetricsScraper scraper = MetricsScraper.builder(store)
                                                         .interval(Duration.ofMillis(50))
                                                         .timeout(Duration.ofSeconds(1))
                                                         .scheduler(scheduler)
                                                         .fetcher(fetcher)
                                                         .build();

    @AfterEach
    void close() {
        scraper.close();
    }

    private EndpointMetricsSnapshot a() {
        return store.snapshot(A.authority());
    }

    private void ms(long millis) {
        scheduler.advance(Duration.ofMillis(millis));
    }

    @Test
    void freshThenStaleThenFailedThenRecovered_withoutOverlappingScrapes() {
        scraper.setTargets(List.of(A));
        assertThat(fetcher.calls()).isEmpty(); // setTargets does no I/O itself
        scheduler.runDue();
        assertThat(fetcher.calls()).hasSize(1);
        assertThat(a().state()).isEqualTo(MetricsState.UNKNOWN);

        ms(5);
        fetcher.last().respond(VLLM_PAGE);
        assertThat(a().state()).isEqualTo(MetricsState.FRESH);
        assertThat(a().metrics().runningRequests()).isEqualTo(6);
        assertThat(a().engine()).isEqualTo("vllm");

        // The next scrape starts one interval after the previous one started, then hangs.
        ms(44);
        assertThat(fetcher.calls()).hasSize(1);
        ms(1);
        assertThat(fetcher.calls()).hasSize(2);
        ms(150);
        assertThat(a().state()).isEqualTo(MetricsState.FRESH); // 200 ms old: at the bound
        ms(1);
        assertThat(a().state()).isEqualTo(MetricsState.STALE);
        assertThat(store.load(A.authority()).estimatedWaiting()).isInfinite();

        // However long it hangs, no second scrape of the endpoint starts (it started at 50 ms: timeout at 1050).
        ms(848);
        assertThat(fetcher.calls()).hasSize(2);
        assertThat(fetcher.inFlight()).isEqualTo(1);

        // At the timeout it is aborted and counted as failed; the next one starts at once (it is overdue).
        ms(1);
        assertThat(fetcher.calls()).hasSize(3);
        assertThat(fetcher.calls().get(1).future()).isCancelled();
        assertThat(a().state()).isEqualTo(MetricsState.FAILED);
        assertThat(a().consecutiveFailures()).isEqualTo(1);
        assertThat(a().lastError()).isEqualTo("timed out after 1000 ms");
        assertThat(a().metrics().runningRequests()).isEqualTo(6); // the old values stay visible

        fetcher.last().fail(new ConnectException("Connection refused"));
        assertThat(a().consecutiveFailures()).isEqualTo(2);
        assertThat(a().lastError()).isEqualTo("ConnectException: Connection refused");

        ms(50);
        fetcher.last().respond(503, "busy");
        assertThat(a().consecutiveFailures()).isEqualTo(3);
        assertThat(a().lastError()).isEqualTo("HTTP 503 from http://127.0.0.21:8000/metrics");
        assertThat(a().state()).isEqualTo(MetricsState.FAILED);

        ms(50);
        fetcher.last().respond(VLLM_PAGE.replace("2.0", "9.0"));
        assertThat(a().state()).isEqualTo(MetricsState.FRESH);
        assertThat(a().consecutiveFailures()).isZero();
        assertThat(a().lastError()).isNull();
        assertThat(a().metrics().waitingRequests()).isEqualTo(9);
        assertThat(fetcher.calls()).hasSize(5);
    }

    @Test
    void slowScrapeDelaysTheNextInsteadOfPilingUp() {
        scraper.setTargets(List.of(A));
        scheduler.runDue();
        ms(80); // slower than the interval
        assertThat(fetcher.calls()).hasSize(1);
        fetcher.last().respond(VLLM_PAGE);
        scheduler.runDue();
        assertThat(fetcher.calls()).hasSize(2); // overdue: starts at once
        ms(5);
        fetcher.last().respond(VLLM_PAGE);
        assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofMillis(45)); // interval from its start
    }

    @Test
    void pageWithoutTheEnginesMetricsIsAFailure() {
        scraper.setTargets(List.of(A));
        scheduler.runDue();
        fetcher.last().respond(Fixtures.read("sglang.txt"));
        assertThat(a().state()).isEqualTo(MetricsState.FAILED);
        assertThat(a().lastError())
                .startsWith("no vllm metrics in the response from http://127.0.0.21:8000/metrics (expected one of: [")
                .endsWith("[vllm:gpu_cache_usage_perc, vllm:kv_cache_usage_perc, vllm:num_requests_running, " +
                          "vllm:num_requests_waiting])");
    }

    @Test
    void fetcherThatThrowsIsAFailure() {
        final MetricsScraper throwing = MetricsScraper.builder(store).scheduler(scheduler).fetcher(t -> {
            throw new IllegalStateException("boom");
        }).build();
        try {
            throwing.setTargets(List.of(A));
            scheduler.runDue();
            assertThat(a().state()).isEqualTo(MetricsState.FAILED);
            assertThat(a().lastError()).isEqualTo("IllegalStateException: boom");
            ms(50);
            assertThat(a().consecutiveFailures()).isEqualTo(2); // and the loop goes on
        } finally {
            throwing.close();
        }
    }

    @Test
    void eachEndpointHasItsOwnLoop_andEngine() {
        scraper.setTargets(List.of(A, B));
        scheduler.runDue();
        assertThat(fetcher.calls()).extracting(c -> c.target().url())
                                   .containsExactly("http://127.0.0.21:8000/metrics", "http://127.0.0.22:8002/metrics");
        fetcher.calls(A.authority()).get(0).respond(VLLM_PAGE);
        fetcher.calls(B.authority()).get(0).respond(Fixtures.read("triton-trtllm.txt"));
        assertThat(store.snapshot(B.authority()).metrics().runningRequests()).isEqualTo(9);
        assertThat(store.snapshot(B.authority()).engine()).isEqualTo("triton-tensorrt-llm");

        // B hangs; A goes on at its own pace.
        ms(50);
        fetcher.calls(A.authority()).get(1).respond(VLLM_PAGE);
        ms(50);
        fetcher.calls(A.authority()).get(2).respond(VLLM_PAGE);
        ms(50);
        assertThat(fetcher.calls(A.authority())).hasSize(4);
        assertThat(fetcher.calls(B.authority())).hasSize(2);
        assertThat(store.snapshot(A.authority()).state()).isEqualTo(MetricsState.FRESH);
    }

    @Test
    void setTargetsReconciles() {
        scraper.setTargets(List.of(A, B));
        scheduler.runDue();
        fetcher.calls(A.authority()).get(0).respond(VLLM_PAGE);
        final FakeFetcher.Call bInFlight = fetcher.calls(B.authority()).get(0);

        // Dropping B aborts its scrape and forgets it; A's loop carries on untouched.
        scraper.setTargets(List.of(A, A.withPort(9999))); // a duplicate authority: the first wins
        assertThat(bInFlight.future()).isCancelled();
        assertThat(store.authorities()).containsExactly(A.authority());
        assertThat(scraper.targets()).containsExactly(A);
        assertThat(a().state()).isEqualTo(MetricsState.FRESH);
        ms(50);
        assertThat(fetcher.calls(B.authority())).hasSize(1);
        assertThat(fetcher.calls(A.authority())).hasSize(2);

        // Changing A's engine restarts it with an empty history.
        final ScrapeTarget aAsSglang =
                new ScrapeTarget(A.authority(), A.host(), A.port(), A.path(), EngineMetricsMapping.SGLANG);
        scraper.setTargets(List.of(aAsSglang));
        assertThat(a().state()).isEqualTo(MetricsState.UNKNOWN);
        scheduler.runDue();
        fetcher.last().respond(Fixtures.read("sglang.txt"));
        assertThat(a().engine()).isEqualTo("sglang");
        assertThat(a().metrics().runningRequests()).isEqualTo(12);
        fetcher.calls(A.authority()).get(1).respond(VLLM_PAGE); // the old loop's late answer is ignored
        assertThat(a().metrics().runningRequests()).isEqualTo(12);
    }

    @Test
    void closeStopsEveryLoopAndForgetsTheTargets() {
        scraper.setTargets(List.of(A, B));
        scheduler.runDue();
        fetcher.calls(A.authority()).get(0).respond(VLLM_PAGE);
        scraper.close();
        assertThat(fetcher.calls(B.authority()).get(0).future()).isCancelled();
        assertThat(store.authorities()).isEmpty();
        ms(1000);
        assertThat(fetcher.calls()).hasSize(2);
        assertThat(scheduler.pendingDelays()).isEmpty();
        assertThatThrownBy(() -> scraper.setTargets(List.of(A))).isInstanceOf(IllegalStateException.class);
        scraper.close(); // twice is fine
    }

    @Test
    void loadCountsRequestsSentBetweenScrapes_fromEachScrapesStart() {
        scraper.setTargets(List.of(A));
        scheduler.runDue();
        fetcher.last().respond(VLLM_PAGE); // waiting 2
        final LocalLoad local = store.localLoad();
        for (int i = 0; i < 5; i++) {
            local.onSend(A.authority(), 100);
        }
        assertThat(store.load(A.authority()).estimatedWaiting()).isEqualTo(7);

        // The next scrape starts, then sees the burst queued on the server: it is not counted twice.
        ms(50);
        fetcher.last().respond(VLLM_PAGE.replace("waiting{engine=\"0\",model_name=\"m\"} 2.0",
                                                 "waiting{engine=\"0\",model_name=\"m\"} 7.0"));
        assertThat(store.load(A.authority()).sentSinceScrape()).isZero();
        assertThat(store.load(A.authority()).estimatedWaiting()).isEqualTo(7);
        assertThat(store.load(A.authority()).inFlightRequests()).isEqualTo(5);
    }

    @Test
    void validatesSettings() {
        assertThatThrownBy(() -> MetricsScraper.builder(store).interval(Duration.ofMillis(200)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("interval: PT0.2S (expected: < the store's staleness bound PT0.2S)");
        assertThatThrownBy(() -> MetricsScraper.builder(store).timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> new ScrapeTarget("a:1", "a", 1, "metrics", EngineMetricsMapping.VLLM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("path: 'metrics' (expected: a path starting with '/')");
        assertThat(new ScrapeTarget("[::1]:80", "::1", 80, "/m", EngineMetricsMapping.VLLM).url())
                .isEqualTo("http://[::1]:80/m");
    }
}

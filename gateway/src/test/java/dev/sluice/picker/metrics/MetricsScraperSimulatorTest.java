package dev.sluice.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;

import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorServer;

/**
 * Scrapes a real simulated vLLM server over HTTP with the default Armeria client and scheduler. Time is real
 * here, so assertions poll (Awaitility) rather than sleep.
 */
class MetricsScraperSimulatorTest {

    private SimulatorServer server;
    private EndpointMetricsStore store;
    private MetricsScraper scraper;
    private String authority;
    private final List<HttpResponse> requests = new ArrayList<>();

    @BeforeEach
    void start() {
        // One sequence may run at a time (maxNumSeqs 1), so of three requests one runs and two wait; the runner holds
        // the one block of its one-token prompt. The first token comes after a minute: nothing finishes meanwhile.
        server = SimulatorServer.start(SimulatorConfig.builder("m")
                                                      .loraAdapters(List.of("sql-lora"))
                                                      .maxLoras(2)
                                                      .maxNumSeqs(1)
                                                      .kvCacheBlocks(10)
                                                      .blockSize(16)
                                                      .outputTokens(100)
                                                      .timeToFirstToken(Duration.ofMinutes(1))
                                                      .build(), "127.0.0.1", 0);
        authority = "127.0.0.1:" + server.port();
        store = new EndpointMetricsStore();
        scraper = MetricsScraper.builder(store).timeout(Duration.ofMillis(500)).build();
        scraper.setTargets(List.of(new ScrapeTarget(authority, "127.0.0.1", server.port(), "/metrics",
                                                    EngineMetricsMapping.VLLM)));
    }

    @AfterEach
    void stop() {
        requests.forEach(HttpResponse::abort);
        scraper.close();
        server.close();
    }

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10));
    }

    private void send(String model) {
        final WebClient client = WebClient.of("http://" + authority);
        requests.add(client.prepare().post("/v1/completions")
                           .content(MediaType.JSON, "{\"model\":\"" + model + "\",\"prompt\":\"hi\",\"stream\":true}")
                           .execute());
    }

    @Test
    void readsRunningWaitingKvAndLoraFromTheSimulator() {
        eventually().untilAsserted(() -> {
            final EndpointMetricsSnapshot s = store.snapshot(authority);
            assertThat(s.state()).isEqualTo(MetricsState.FRESH);
            assertThat(s.metrics().runningRequests()).isZero();
            assertThat(s.metrics().waitingRequests()).isZero();
            assertThat(s.metrics().kvCacheBlocks()).isEqualTo(10);
            assertThat(s.metrics().blockSize()).isEqualTo(16);
            assertThat(s.metrics().maxLoras()).isEqualTo(2);
        });

        send("sql-lora");
        send("sql-lora");
        send("m");
        eventually().untilAsserted(() -> {
            final EndpointMetricsSnapshot s = store.snapshot(authority);
            assertThat(s.state()).isEqualTo(MetricsState.FRESH);
            assertThat(s.metrics().runningRequests()).isEqualTo(1);
            assertThat(s.metrics().waitingRequests()).isEqualTo(2);
            assertThat(s.metrics().kvCacheUsage()).isEqualTo(0.1);
            assertThat(s.metrics().runningLoraAdapters()).containsExactly("sql-lora");
            assertThat(s.metrics().waitingLoraAdapters()).containsExactly("sql-lora");
        });
        assertThat(store.describe()).singleElement()
                                    .satisfies(row -> assertThat(row).containsEntry("state", "FRESH")
                                                                     .containsEntry("running", 1.0)
                                                                     .containsEntry("waiting", 2.0));
    }

    @Test
    void marksTheEndpointFailedWhileItRefusesConnections_thenRecovers() {
        eventually().untilAsserted(() -> assertThat(store.snapshot(authority).isFresh()).isTrue());

        server.faults().refuseConnections(true);
        eventually().untilAsserted(() -> {
            final EndpointMetricsSnapshot s = store.snapshot(authority);
            assertThat(s.state()).isEqualTo(MetricsState.FAILED);
            assertThat(s.consecutiveFailures()).isPositive();
            assertThat(s.lastError()).isNotBlank();
        });
        assertThat(store.load(authority).estimatedWaiting()).isInfinite();

        server.faults().refuseConnections(false);
        eventually().untilAsserted(() -> {
            final EndpointMetricsSnapshot s = store.snapshot(authority);
            assertThat(s.state()).isEqualTo(MetricsState.FRESH);
            assertThat(s.consecutiveFailures()).isZero();
        });
    }
}

package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import com.openai.core.http.StreamResponse;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.picker.metrics.EndpointLoad;
import dev.sluice.picker.metrics.MetricsState;

/** Every pool endpoint's metrics are scraped, shown on the admin API, and combined with the gateway's own load. */
class EndpointStateTest {

    @TempDir
    Path dir;

    @Test
    void endpointsAreScraped_failuresAreShown_andLocalLoadReturnsToZero() throws Exception {
        try (TestGateway gw = TestGateway.start(dir)) {
            final String gemma = "127.0.0.1:" + gw.sim("gemma-0").port();
            final String llama0 = "127.0.0.1:" + gw.sim("llama-0").port();
            await().until(() -> gw.server().endpointMetrics().snapshot(gemma).state() == MetricsState.FRESH);

            for (int i = 0; i < 5; i++) {
                gw.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type",
                                                    MediaType.JSON),
                                  "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"max_tokens\":2}")
                  .aggregate().join();
            }
            // The gateway releases an endpoint's load when the upstream exchange completes, which can be just after
            // the client has read the whole answer.
            await().untilAsserted(() -> {
                final EndpointLoad load = gw.server().endpointMetrics().load(gemma);
                assertThat(load.inFlightRequests()).isZero();
                assertThat(load.inFlightTokens()).isZero();
            });

            gw.sim("llama-0").faults().refuseConnections(true);
            await().until(() -> gw.server().endpointMetrics().snapshot(llama0).state() == MetricsState.FAILED);

            final String json = WebClient.of("http://127.0.0.1:" + gw.server().adminPort())
                                         .get("/admin/endpoints").aggregate().join().contentUtf8();
            assertThat(json).contains(gemma).contains(llama0).contains("FRESH").contains("FAILED");
        }
    }

    @Test
    void aStreamStopsAwaitingItsFirstTokenWhenOneArrives() throws Exception {
        final String slowGemma = TestGateway.TWO_POOLS.replace(
                "model: google/gemma-3-1b-it, timeToFirstToken: 2ms, interTokenLatency: 1ms, outputTokens: 8",
                "model: google/gemma-3-1b-it, timeToFirstToken: 2ms, interTokenLatency: 50ms, outputTokens: 200");
        assertThat(slowGemma).isNotEqualTo(TestGateway.TWO_POOLS);
        try (TestGateway gw = TestGateway.start(dir, slowGemma, new ExtensionRegistry())) {
            final String gemma = "127.0.0.1:" + gw.sim("gemma-0").port();
            try (StreamResponse<Completion> s = gw.openAi().completions().createStreaming(
                    CompletionCreateParams.builder().model("google/gemma-3-1b-it").prompt("A long story")
                                          .maxTokens(2000).build())) {
                final var chunks = s.stream().iterator();
                while (chunks.hasNext() && chunks.next().choices().stream().allMatch(c -> c.text().isEmpty())) {
                    // until the first chunk with text
                }
                final EndpointLoad streaming = gw.server().endpointMetrics().load(gemma);
                assertThat(streaming.inFlightRequests()).isEqualTo(1);
                assertThat(streaming.awaitingFirstToken()).isZero();
            }
            await().until(() -> gw.server().endpointMetrics().load(gemma).inFlightRequests() == 0);
            assertThat(gw.server().endpointMetrics().load(gemma).awaitingFirstToken()).isZero();
        }
    }
}

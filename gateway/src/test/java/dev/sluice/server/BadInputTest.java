package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpRequestWriter;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;

import dev.sluice.simulator.SimulatorServer;

/** What the gateway does with bad requests and failing backends. */
class BadInputTest {

    @TempDir
    static Path dir;
    static TestGateway gateway;
    static WebClient http;

    @BeforeAll
    static void start() throws Exception {
        // A small body limit, and a gemma server whose streams last long enough to walk away from.
        gateway = TestGateway.start(dir, TestGateway.TWO_POOLS
                .replace("kind: Gateway\nmetadata: {name: gw}",
                         "kind: Gateway\nmetadata: {name: gw, annotations: " +
                         "{sluice.dev/max-request-body-bytes: \"65536\"}}")
                .replace("model: google/gemma-3-1b-it, timeToFirstToken: 2ms, interTokenLatency: 1ms, outputTokens: 8",
                         "model: google/gemma-3-1b-it, timeToFirstToken: 2ms, interTokenLatency: 5ms, " +
                         "outputTokens: 4000"),
                new dev.sluice.extension.ExtensionRegistry());
        http = gateway.http();
        await().atMost(5, TimeUnit.SECONDS).until(() -> gateway.server().isReady());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @AfterEach
    void resetFaults() {
        for (String s : new String[] { "llama-0", "llama-1", "gemma-0" }) {
            gateway.sim(s).faults().reset();
        }
    }

    private static AggregatedHttpResponse post(String path, String body) {
        return http.execute(RequestHeaders.of(HttpMethod.POST, path, "content-type", MediaType.JSON), body)
                   .aggregate().join();
    }

    @Test
    void malformedJson_is400WithOpenAiError() {
        final AggregatedHttpResponse r = post("/v1/completions", "{\"model\": \"food-review\", \"prompt\": ");
        assertThat(r.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(r.contentUtf8()).contains("\"error\":{\"message\":\"malformed JSON")
                                   .contains("\"type\":\"invalid_request_error\"");
        assertThat(r.headers().get("x-request-id")).isNotBlank();
    }

    @Test
    void missingModel_is400() {
        final AggregatedHttpResponse r = post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(r.status()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(r.contentUtf8()).contains("\"param\":\"model\"");
    }

    @Test
    void unknownModel_is404() {
        final AggregatedHttpResponse r = post("/v1/completions", "{\"model\":\"no-such-model\",\"prompt\":\"x\"}");
        assertThat(r.status()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(r.contentUtf8()).contains("no-such-model").contains("\"code\":\"model_not_found\"");
    }

    @Test
    void bodyOverTheLimit_is413_withContentLength() {
        final String big = "{\"model\":\"food-review\",\"prompt\":\"" + "x".repeat(70_000) + "\"}";
        final AggregatedHttpResponse r = post("/v1/completions", big);
        assertThat(r.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
        assertThat(r.contentUtf8()).contains("\"error\"");
    }

    @Test
    void bodyOverTheLimit_is413_whenChunked() {
        final HttpRequestWriter req = HttpRequest.streaming(
                RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON));
        req.write(HttpData.ofUtf8("{\"model\":\"food-review\",\"prompt\":\""));
        for (int i = 0; i < 10; i++) {
            req.write(HttpData.ofUtf8("y".repeat(10_000)));
        }
        req.write(HttpData.ofUtf8("\"}"));
        req.close();
        final AggregatedHttpResponse r = http.execute(req).aggregate().join();
        assertThat(r.status()).isEqualTo(HttpStatus.REQUEST_ENTITY_TOO_LARGE);
    }

    @Test
    void requestId_isKeptAndPassedUpstream() {
        final AggregatedHttpResponse r = http.execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions",
                                                                         "content-type", MediaType.JSON,
                                                                         "x-request-id", "my-id-123"),
                                                      "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"max_tokens\":3}")
                                             .aggregate().join();
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        assertThat(r.headers().get("x-request-id")).isEqualTo("my-id-123");
        assertThat(gateway.sim("gemma-0").stats().lastRequestHeaders())
                .anySatisfy(h -> assertThat(h).containsEntry("x-request-id", "my-id-123"));
    }

    @Test
    void refusedConnection_isServedByAnotherEndpoint() {
        final SimulatorServer down = gateway.sim("llama-0");
        final SimulatorServer up = gateway.sim("llama-1");
        down.faults().refuseConnections(true);
        final long before = up.stats().requestsCompleted();
        for (int i = 0; i < 6; i++) {
            final AggregatedHttpResponse r = post("/v1/completions", "{\"model\":\"food-review\",\"prompt\":\"x\"}");
            assertThat(r.status()).isEqualTo(HttpStatus.OK);
        }
        assertThat(up.stats().requestsCompleted()).isEqualTo(before + 6);
    }

    @Test
    void upstream503BeforeAnyByte_isRetriedOnAnotherEndpoint() {
        gateway.sim("llama-0").faults().errorRate(1).errorStatus(503);
        gateway.sim("llama-1").faults().errorRate(1).errorStatus(503);
        // Both fail: the last attempt's 503 reaches the client as it is.
        assertThat(post("/v1/completions", "{\"model\":\"food-review\",\"prompt\":\"x\"}").status())
                .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        gateway.sim("llama-1").faults().reset();
        for (int i = 0; i < 4; i++) {
            assertThat(post("/v1/completions", "{\"model\":\"food-review\",\"prompt\":\"x\"}").status())
                    .isEqualTo(HttpStatus.OK);
        }
    }

    @Test
    void backendDiesMidStream_clientGetsAnSseErrorEventAndACleanEnd() {
        gateway.sim("gemma-0").faults().dieMidStreamAfterChunks(2);
        final AggregatedHttpResponse r = post("/v1/chat/completions",
                "{\"model\":\"google/gemma-3-1b-it\",\"stream\":true,\"max_tokens\":50," +
                "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        final String body = r.contentUtf8();
        assertThat(body).contains("chat.completion.chunk");
        assertThat(body).doesNotContain("[DONE]");
        assertThat(body.trim()).endsWith("}}");
        assertThat(body).contains("data: {\"error\":{\"message\":\"The model server stopped");
    }

    @Test
    void backendDiesMidBody_nonStreamingIs502() {
        gateway.sim("gemma-0").faults().dieMidStreamAfterChunks(1);
        final AggregatedHttpResponse r = post("/v1/completions",
                                              "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"max_tokens\":50}");
        assertThat(r.status()).isEqualTo(HttpStatus.BAD_GATEWAY);
        assertThat(r.contentUtf8()).contains("\"code\":\"upstream_reset\"");
    }

    @Test
    void clientDisconnect_cancelsTheUpstreamRequest() {
        final SimulatorServer sim = gateway.sim("gemma-0");
        sim.faults().extraLatency(Duration.ZERO);
        final long cancelledBefore = sim.stats().requestsCancelled();
        final HttpResponse res = http.execute(
                RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON),
                "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"stream\":true,\"max_tokens\":100000}");
        final SplitHttpResponse split = res.split();
        assertThat(split.headers().join().status()).isEqualTo(HttpStatus.OK);
        await().atMost(5, TimeUnit.SECONDS).until(() -> sim.stats().inFlight() > 0);
        res.abort();
        await().atMost(5, TimeUnit.SECONDS).until(() -> sim.stats().requestsCancelled() > cancelledBefore);
        await().atMost(5, TimeUnit.SECONDS).until(() -> sim.stats().inFlight() == 0);
    }
}

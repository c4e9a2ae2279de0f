package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.metric;
import static dev.sluice.simulator.TestHttp.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;

class CancellationTest {

    private static final String GENERATION_TOKENS = "vllm:generation_tokens_total{model_name=\"m\",engine=\"0\"}";
    private static final String RUNNING = "vllm:num_requests_running{model_name=\"m\",engine=\"0\"}";

    private SimulatorServer server;
    private TestHttp http;

    @BeforeEach
    void start() {
        // 400 tokens 20 ms apart: every stream here would run for 8 s unless cancelled.
        server = SimulatorServer.start(SimulatorConfig.builder("m")
                                                      .timeToFirstToken(Duration.ofMillis(1))
                                                      .interTokenLatency(Duration.ofMillis(20))
                                                      .outputTokens(400)
                                                      .build(), "127.0.0.1", 0);
        http = new TestHttp(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void clientDisconnectMidStreamCancelsGeneration() {
        try (RawStream stream = new RawStream(server, "/v1/completions", "{\"prompt\":\"hi\",\"stream\":true}")) {
            assertThat(stream.readLineStartingWith("data: ")).isNotNull();
            assertThat(stream.readLineStartingWith("data: ")).isNotNull();
            assertThat(server.stats().inFlight()).isEqualTo(1);
        }
        eventually().untilAsserted(() -> {
            assertThat(server.stats().requestsCancelled()).isEqualTo(1);
            assertThat(server.stats().inFlight()).isZero();
        });
        assertThat(server.stats().requestsCompleted()).isZero();
        assertThat(server.stats().requestsFailed()).isZero();
        assertGenerationStopped();
    }

    @Test
    void clientDisconnectDuringPlainResponseCancelsGeneration() {
        try (RawStream stream = new RawStream(server, "/v1/chat/completions",
                                              "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")) {
            eventually().untilAsserted(
                    () -> assertThat(metric(http.get("/metrics").body(), RUNNING)).isEqualTo(1.0));
        }
        eventually().untilAsserted(
                () -> assertThat(server.stats().requestsCancelled()).isEqualTo(1));
        assertGenerationStopped();
    }

    @Test
    void http2StreamResetCancelsGeneration() {
        final WebClient client = WebClient.of(SessionProtocol.H2C, com.linecorp.armeria.client.Endpoint.of(
                "127.0.0.1", server.port()));
        final HttpResponse response = client.execute(
                HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, "/v1/completions")
                                             .contentType(MediaType.JSON).build(),
                               com.linecorp.armeria.common.HttpData.ofUtf8("{\"prompt\":\"hi\",\"stream\":true}")));
        final CompletableFuture<Void> firstChunk = new CompletableFuture<>();
        response.split().body().subscribe(new org.reactivestreams.Subscriber<>() {
            private org.reactivestreams.Subscription subscription;

            @Override
            public void onSubscribe(org.reactivestreams.Subscription subscription) {
                this.subscription = subscription;
                subscription.request(1);
            }

            @Override
            public void onNext(com.linecorp.armeria.common.HttpData data) {
                firstChunk.complete(null);
                subscription.cancel(); // the client goes away: Armeria sends RST_STREAM
            }

            @Override
            public void onError(Throwable t) {
                firstChunk.completeExceptionally(t);
            }

            @Override
            public void onComplete() {}
        });
        firstChunk.join();
        eventually().untilAsserted(() -> {
            assertThat(server.stats().requestsCancelled()).isEqualTo(1);
            assertThat(server.stats().inFlight()).isZero();
        });
        assertGenerationStopped();
    }

    @Test
    void clientDisconnectWhileWaitingLeavesTheQueue() {
        // 30 blocks; a 288-token prompt takes 18 of them, so a second one waits for the first (which runs for
        // 150 tokens 20 ms apart and grows to ceil(438 / 16) = 28 blocks).
        try (SimulatorServer tiny = SimulatorServer.start(
                SimulatorConfig.builder("m").kvCacheBlocks(30).interTokenLatency(Duration.ofMillis(20))
                               .outputTokens(150).build(), "127.0.0.1", 0)) {
            final TestHttp tinyHttp = new TestHttp(tiny);
            try (RawStream running = new RawStream(tiny, "/v1/completions",
                                                   "{\"prompt\":\"" + "a".repeat(1152) + "\",\"stream\":true}")) {
                assertThat(running.readLineStartingWith("data: ")).isNotNull();
                try (RawStream waiting = new RawStream(tiny, "/v1/completions",
                                                       "{\"prompt\":\"" + "b".repeat(1152) +
                                                       "\",\"stream\":true}")) {
                    eventually().untilAsserted(() -> assertThat(
                            metric(tinyHttp.get("/metrics").body(),
                                   "vllm:num_requests_waiting{model_name=\"m\",engine=\"0\"}")).isEqualTo(1.0));
                }
                eventually().untilAsserted(() -> {
                    assertThat(tiny.stats().requestsCancelled()).isEqualTo(1);
                    assertThat(metric(tinyHttp.get("/metrics").body(),
                                      "vllm:num_requests_waiting{model_name=\"m\",engine=\"0\"}")).isZero();
                });
                assertThat(tiny.stats().inFlight()).isEqualTo(1);
            }
        }
    }

    @Test
    void closeEndsStreamsInFlight() {
        try (RawStream stream = new RawStream(server, "/v1/completions", "{\"prompt\":\"hi\",\"stream\":true}")) {
            assertThat(stream.readLineStartingWith("data: ")).isNotNull();
            server.close();
            String line;
            do {
                try {
                    line = stream.readLineStartingWith("data: ");
                } catch (java.io.UncheckedIOException e) {
                    line = null;
                }
                assertThat(line).isNotEqualTo("data: [DONE]");
            } while (line != null);
        }
        assertThat(server.stats().requestsFailed()).isEqualTo(1);
        assertThat(server.stats().requestsCancelled()).isZero();
        assertThat(server.stats().inFlight()).isZero();
    }

    /** Checks that no more tokens are generated: the scheduled emissions were cancelled. */
    private void assertGenerationStopped() {
        eventually().untilAsserted(() -> assertThat(metric(http.get("/metrics").body(), RUNNING)).isZero());
        final double generated = metric(http.get("/metrics").body(), GENERATION_TOKENS);
        eventually().during(Duration.ofMillis(150)).atMost(Duration.ofSeconds(1)).untilAsserted(
                () -> assertThat(metric(http.get("/metrics").body(), GENERATION_TOKENS)).isEqualTo(generated));
        assertThat(generated).isLessThan(400);
    }
}

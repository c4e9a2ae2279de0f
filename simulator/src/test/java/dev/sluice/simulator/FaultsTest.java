package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.json;
import static dev.sluice.simulator.TestHttp.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class FaultsTest {

    private SimulatorServer server;
    private TestHttp http;

    @BeforeEach
    void start() {
        server = SimulatorServer.start(SimulatorConfig.builder("m")
                                                      .timeToFirstToken(Duration.ofMillis(2))
                                                      .interTokenLatency(Duration.ofMillis(2))
                                                      .outputTokens(8)
                                                      .build(), "127.0.0.1", 0);
        http = new TestHttp(server);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void faultsAreOffByDefault() {
        final Faults faults = server.faults();
        assertThat(faults.errorRate()).isZero();
        assertThat(faults.errorStatus()).isEqualTo(500);
        assertThat(faults.dieMidStreamAfterChunks()).isEqualTo(-1);
        assertThat(faults.refuseConnections()).isFalse();
        assertThat(faults.extraLatency()).isZero();
    }

    @Test
    void errorRateOneFailsEveryRequestWithTheStatus() {
        server.faults().errorRate(1);
        HttpResponse<String> res = http.post("/v1/completions", "{\"prompt\":\"hi\"}");
        assertThat(res.statusCode()).isEqualTo(500);
        final JsonNode error = json(res.body()).path("error");
        assertThat(error.path("type").stringValue()).isEqualTo("InternalServerError");
        assertThat(error.path("code").intValue()).isEqualTo(500);
        assertThat(error.path("message").stringValue()).isNotBlank();

        server.faults().errorStatus(429);
        res = http.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," +
                                                "\"stream\":true}");
        assertThat(res.statusCode()).isEqualTo(429);
        assertThat(json(res.body()).path("error").path("type").stringValue()).isEqualTo("RateLimitError");
        assertThat(server.stats().requestsFailed()).isEqualTo(2);

        server.faults().errorRate(0);
        assertThat(http.post("/v1/completions", "{\"prompt\":\"hi\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void errorRateFailsAboutThatFraction() {
        server.faults().errorRate(0.5);
        int failures = 0;
        for (int i = 0; i < 100; i++) {
            if (http.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":1}").statusCode() == 500) {
                failures++;
            }
        }
        assertThat(failures).isBetween(25, 75); // five standard deviations either side of 50
    }

    @Test
    void dieMidStreamCutsStreamAfterChunksWithoutDone() {
        server.faults().dieMidStreamAfterChunks(3);
        final List<String> data = new ArrayList<>();
        try (RawStream stream = new RawStream(server, "/v1/completions", "{\"prompt\":\"hi\",\"stream\":true}")) {
            String line;
            while ((line = readOrNullOnReset(stream)) != null) {
                data.add(line);
            }
        }
        assertThat(data).hasSize(3).noneMatch(line -> line.contains("[DONE]"));
        assertThat(data).allMatch(line -> line.contains("\"finish_reason\":null"));
        eventually().untilAsserted(() -> assertThat(server.stats().requestsFailed()).isEqualTo(1));
        assertThat(server.stats().requestsCompleted()).isZero();
        assertThat(server.stats().inFlight()).isZero();

        // A client sees the broken stream as an error.
        assertThatThrownBy(() -> http.post("/v1/chat/completions",
                                           "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," +
                                           "\"stream\":true}"))
                .isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void dieMidStreamCutsPlainResponseBody() {
        server.faults().dieMidStreamAfterChunks(2);
        assertThatThrownBy(() -> http.post("/v1/completions", "{\"prompt\":\"hi\"}"))
                .isInstanceOf(UncheckedIOException.class);
        eventually().untilAsserted(() -> assertThat(server.stats().requestsFailed()).isEqualTo(1));

        // Responses shorter than the cut point complete.
        final HttpResponse<String> shorter = http.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2}");
        assertThat(shorter.statusCode()).isEqualTo(200);
        assertThat(json(shorter.body()).path("usage").path("completion_tokens").intValue()).isEqualTo(2);
    }

    @Test
    void refuseConnectionsClosesThePortAndReopensTheSamePort() {
        final int port = server.port();
        assertThat(http.get("/health").statusCode()).isEqualTo(200);

        server.faults().refuseConnections(true);
        assertThat(server.faults().refuseConnections()).isTrue();
        assertThatThrownBy(() -> http.get("/health"))
                .isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(ConnectException.class);

        server.faults().refuseConnections(false);
        assertThat(server.port()).isEqualTo(port);
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        assertThat(http.post("/v1/completions", "{\"prompt\":\"hi\"}").statusCode()).isEqualTo(200);
        // Stats survive the restart.
        assertThat(server.stats().requestsCompleted()).isEqualTo(1);
    }

    @Test
    void refuseConnectionsBreaksStreamsInFlight() {
        try (SimulatorServer slow = SimulatorServer.start(
                SimulatorConfig.builder("m").interTokenLatency(Duration.ofMillis(50)).outputTokens(400).build(),
                "127.0.0.1", 0);
             RawStream stream = new RawStream(slow, "/v1/completions", "{\"prompt\":\"hi\",\"stream\":true}")) {
            assertThat(stream.readLineStartingWith("data: ")).isNotNull();
            slow.faults().refuseConnections(true);
            String line;
            do {
                line = readOrNullOnReset(stream);
                assertThat(line).isNotEqualTo("data: [DONE]");
            } while (line != null);
            assertThat(slow.stats().requestsFailed()).isEqualTo(1);
            assertThat(slow.stats().inFlight()).isZero();
            slow.faults().reset();
            assertThat(slow.faults().refuseConnections()).isFalse();
            assertThat(new TestHttp(slow).get("/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void extraLatencyDelaysTheFirstByte() {
        server.faults().extraLatency(Duration.ofMillis(500));
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() +
                                                                      "/v1/completions"))
                                               .POST(BodyPublishers.ofString("{\"prompt\":\"hi\",\"stream\":true}"))
                                               .build();
        long started = System.nanoTime();
        // Returns at the response headers, which a streaming response sends as soon as generation starts.
        final HttpResponse<java.io.InputStream> res = TestHttp.send(request, BodyHandlers.ofInputStream());
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        try (java.io.InputStream body = res.body()) {
            body.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }

        server.faults().reset();
        started = System.nanoTime();
        assertThat(http.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":1}").statusCode())
                .isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
    }

    @Test
    void rejectsInvalidSwitchValues() {
        assertThatThrownBy(() -> server.faults().errorRate(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("errorRate: 1.5 (expected: 0..1)");
        assertThatThrownBy(() -> server.faults().errorStatus(200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("errorStatus: 200 (expected: 400..599)");
        assertThatThrownBy(() -> server.faults().dieMidStreamAfterChunks(-2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dieMidStreamAfterChunks: -2 (expected: >= -1)");
        assertThatThrownBy(() -> server.faults().extraLatency(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("extraLatency: PT-0.001S (expected: >= 0)");
    }

    private static String readOrNullOnReset(RawStream stream) {
        try {
            return stream.readLineStartingWith("data: ");
        } catch (UncheckedIOException e) {
            return null; // connection reset: the abrupt end we expect
        }
    }
}

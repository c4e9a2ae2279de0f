package dev.sluice.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP/1.1 client (the JDK's, so that nothing shares code with the server) and SSE helpers.
 */
final class TestHttp {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private static final HttpClient CLIENT = HttpClient.newBuilder()
                                                       .version(HttpClient.Version.HTTP_1_1)
                                                       .connectTimeout(Duration.ofSeconds(5))
                                                       .build();

    private final String base;

    TestHttp(SimulatorServer server) {
        base = "http://127.0.0.1:" + server.port();
    }

    HttpResponse<String> post(String path, String body) {
        return post(path, body, Map.of());
    }

    HttpResponse<String> post(String path, String body, Map<String, String> headers) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                                                       .timeout(Duration.ofSeconds(10))
                                                       .header("content-type", "application/json")
                                                       .POST(BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request.build(), BodyHandlers.ofString());
    }

    HttpResponse<InputStream> postStreaming(String path, String body) {
        final HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                                               .timeout(Duration.ofSeconds(10))
                                               .header("content-type", "application/json")
                                               .POST(BodyPublishers.ofString(body))
                                               .build();
        return send(request, BodyHandlers.ofInputStream());
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                    BodyHandlers.ofString());
    }

    static <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return CLIENT.send(request, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(String body) {
        return JSON.readTree(body);
    }

    /**
     * Returns the data fields of a complete SSE body, checking that every event is a single {@code data:} line.
     */
    static List<String> sseData(String body) {
        assertThat(body).endsWith("\n\n");
        final List<String> data = new ArrayList<>();
        for (String event : body.split("\n\n")) {
            assertThat(event).startsWith("data: ").doesNotContain("\n");
            data.add(event.substring("data: ".length()));
        }
        return data;
    }

    /** Returns the JSON chunks of a complete stream, checking that it ends with exactly one {@code [DONE]}. */
    static List<JsonNode> sseChunks(String body) {
        final List<String> data = sseData(body);
        assertThat(data).last().isEqualTo("[DONE]");
        assertThat(data.subList(0, data.size() - 1)).doesNotContain("[DONE]");
        return data.subList(0, data.size() - 1).stream().map(TestHttp::json).toList();
    }

    /**
     * Returns an Awaitility condition that polls often: the simulator's timings in tests are milliseconds.
     */
    static ConditionFactory eventually() {
        return Awaitility.await()
                         .atMost(Duration.ofSeconds(5))
                         .pollDelay(Duration.ZERO)
                         .pollInterval(Duration.ofMillis(10));
    }

    /** Reads the value of one sample line of a Prometheus text body, or -1 if absent. */
    static double metric(String metricsBody, String sampleNameAndLabels) {
        for (String line : metricsBody.split("\n")) {
            if (line.startsWith(sampleNameAndLabels + ' ')) {
                return Double.parseDouble(line.substring(sampleNameAndLabels.length() + 1));
            }
        }
        return -1;
    }
}

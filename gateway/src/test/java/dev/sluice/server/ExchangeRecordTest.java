package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.proxy.ExchangeRecord;

/** The record each exchange leaves for metrics and logs: usage, timings, bytes and error details. */
class ExchangeRecordTest {

    @TempDir
    static Path dir;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start(dir);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static ExchangeRecord send(String id, String path, String body) {
        gateway.http().execute(RequestHeaders.of(HttpMethod.POST, path, "content-type", MediaType.JSON,
                                                 "x-request-id", id), body).aggregate().join();
        await().until(() -> gateway.records().stream().anyMatch(r -> r.requestId().equals(id)));
        return gateway.records().stream().filter(r -> r.requestId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void plainCompletion_recordsUsageFromTheBody() {
        final ExchangeRecord r = send("rec-plain", "/v1/completions",
                                      "{\"model\":\"food-review\",\"prompt\":\"hello there\",\"max_tokens\":5}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.route()).isEqualTo("by-model");
        assertThat(r.pool()).isEqualTo("llama");
        assertThat(r.endpoint()).startsWith("127.0.0.1:");
        assertThat(r.model()).isEqualTo("food-review");
        assertThat(r.stream()).isFalse();
        assertThat(r.inputTokens()).isPositive();
        assertThat(r.outputTokens()).isEqualTo(5);
        assertThat(r.outputTokensCounted()).isFalse();
        assertThat(r.cachedTokens()).isGreaterThanOrEqualTo(0);
        assertThat(r.requestBytes()).isPositive();
        assertThat(r.responseBytes()).isPositive();
        assertThat(r.totalNanos()).isGreaterThanOrEqualTo(r.upstreamNanos()).isPositive();
        assertThat(r.ttftNanos()).isEqualTo(-1);
        assertThat(r.errorDetail()).isNull();
        assertThat(r.clientAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void stream_withUsageChunk_recordsReportedUsageAndTtft() {
        final ExchangeRecord r = send("rec-stream-usage", "/v1/chat/completions",
                                      "{\"model\":\"google/gemma-3-1b-it\",\"stream\":true,\"max_tokens\":4," +
                                      "\"stream_options\":{\"include_usage\":true}," +
                                      "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(r.stream()).isTrue();
        assertThat(r.outputTokens()).isEqualTo(4);
        assertThat(r.outputTokensCounted()).isFalse();
        assertThat(r.inputTokens()).isPositive();
        assertThat(r.ttftNanos()).isPositive().isLessThanOrEqualTo(r.totalNanos());
    }

    @Test
    void stream_withoutUsage_countsTokenEvents() {
        final ExchangeRecord r = send("rec-stream-count", "/v1/completions",
                                      "{\"model\":\"google/gemma-3-1b-it\",\"stream\":true,\"max_tokens\":6," +
                                      "\"prompt\":\"hi\"}");
        assertThat(r.outputTokens()).isEqualTo(6);
        assertThat(r.outputTokensCounted()).isTrue();
        assertThat(r.inputTokens()).isEqualTo(-1);
    }

    @Test
    void traceparent_isPropagatedToTheModelServer() {
        final String id = "rec-trace";
        gateway.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON,
                                                 "x-request-id", id, "traceparent",
                                                 "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                               "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"max_tokens\":1}")
               .aggregate().join();
        await().until(() -> gateway.records().stream().anyMatch(r -> r.requestId().equals(id)));
        final ExchangeRecord r = gateway.records().stream().filter(x -> x.requestId().equals(id)).findFirst()
                                        .orElseThrow();
        assertThat(r.trace().traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(gateway.sim("gemma-0").stats().lastRequestHeaders())
                .anySatisfy(h -> assertThat(h.get("traceparent")).isEqualTo(r.trace().upstreamTraceparent()));
        assertThat(r.pickNanos()).isPositive();
    }

    @Test
    void errors_carryAProxyStatusDetail() {
        assertThat(send("rec-404", "/v1/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}").errorDetail())
                .isEqualTo("destination_not_found; details=\"no_route\"");
        assertThat(send("rec-400", "/v1/completions", "{\"model\":").errorDetail())
                .isEqualTo("http_request_error; details=\"malformed_request\"");
    }
}

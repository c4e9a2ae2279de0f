package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.server.TestGateway;

/**
 * {@code /metrics} after known traffic: the reference's names, types, labels and buckets, and exact counts for
 * success, streaming with usage, every error kind, extensions, retries, rewrites and reloads.
 */
class MetricsTest {

    static final String LLAMA = "food-review";
    static final String GEMMA = "google/gemma-3-1b-it";

    static final String YAML = TestGateway.TWO_POOLS + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: alias}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches: [{headers: [{name: X-Gateway-Model-Name, value: canary-alias}]}]
                backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: llama}]
            ---
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceModelRewrite
            metadata: {name: alias-rewrite}
            spec:
              poolRef: {name: llama}
              rules:
              - matches: [{model: {type: Exact, value: canary-alias}}]
                targets: [{modelRewrite: food-review, weight: 1}]
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: TrafficExtension
            metadata: {name: policies}
            spec:
              targetRefs: [{name: gw}]
              extensionChains:
              - name: limited
                matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "limit"'}]}
                extensions:
                - {name: limiter, service: limit, supportedEvents: [RequestBody]}
              - name: broken-closed
                matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "fail-closed"'}]}
                extensions:
                - {name: broken, service: broken, supportedEvents: [RequestBody], failOpen: false}
              - name: broken-open
                matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "fail-open"'}]}
                extensions:
                - {name: broken, service: broken, supportedEvents: [RequestBody], failOpen: true}
            """;

    static ExtensionRegistry registry() {
        return new ExtensionRegistry()
                .register("limit", spec -> (call, msg) -> CompletableFuture.completedFuture(ExtensionResult.respond(
                        HttpStatus.TOO_MANY_REQUESTS, "application/json",
                        "{\"error\":{\"message\":\"slow down\"}}".getBytes(StandardCharsets.UTF_8))))
                .register("broken", spec -> (call, msg) -> CompletableFuture.failedFuture(
                        new IllegalStateException("broken on purpose")));
    }

    @TempDir
    static Path dir;
    static ObservedGateway gw;
    static final List<ExchangeRecord> traffic = new ArrayList<>();
    static Exposition metrics;

    @BeforeAll
    static void driveKnownTraffic() throws Exception {
        gw = ObservedGateway.start(dir, YAML, registry(), new ObserveOptions());
        final String plain = "{\"model\":\"" + LLAMA + "\",\"prompt\":\"hello there\",\"max_tokens\":5}";
        traffic.add(gw.post("ok-plain", "/v1/completions", plain));
        traffic.add(gw.post("ok-stream", "/v1/chat/completions",
                            "{\"model\":\"" + GEMMA + "\",\"stream\":true,\"max_tokens\":4," +
                            "\"stream_options\":{\"include_usage\":true}," +
                            "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        traffic.add(gw.post("bad-json", "/v1/completions", "{not json"));
        traffic.add(gw.post("no-model", "/v1/completions", "{\"prompt\":\"x\"}"));
        traffic.add(gw.post("unknown-model", "/v1/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}"));
        traffic.add(gw.post("limited", "/v1/completions", plain, "x-case", "limit"));
        traffic.add(gw.post("fail-closed", "/v1/completions", plain, "x-case", "fail-closed"));
        traffic.add(gw.post("fail-open", "/v1/completions", plain, "x-case", "fail-open"));
        final String gemma = "{\"model\":\"" + GEMMA + "\",\"prompt\":\"hi\",\"max_tokens\":3}";
        gw.sim("gemma-0").faults().errorRate(1).errorStatus(500);
        traffic.add(gw.post("upstream-500", "/v1/completions", gemma));
        gw.sim("gemma-0").faults().reset().dieMidStreamAfterChunks(1);
        traffic.add(gw.post("upstream-cut", "/v1/completions", gemma));
        gw.sim("gemma-0").faults().reset().refuseConnections(true);
        traffic.add(gw.post("upstream-down", "/v1/completions", gemma));
        gw.sim("gemma-0").faults().reset();
        traffic.add(gw.post("rewritten", "/v1/completions",
                            "{\"model\":\"canary-alias\",\"prompt\":\"hello\",\"max_tokens\":2}"));
        metrics = gw.scrape();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    static ExchangeRecord rec(String id) {
        return traffic.stream().filter(r -> r.requestId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void trafficHadTheIntendedOutcomes() {
        assertThat(rec("ok-plain").status()).isEqualTo(200);
        assertThat(rec("ok-stream").status()).isEqualTo(200);
        assertThat(rec("bad-json").status()).isEqualTo(400);
        assertThat(rec("no-model").status()).isEqualTo(400);
        assertThat(rec("unknown-model").status()).isEqualTo(404);
        assertThat(rec("limited").status()).isEqualTo(429);
        assertThat(rec("fail-closed").status()).isEqualTo(500);
        assertThat(rec("fail-open").status()).isEqualTo(200);
        assertThat(rec("upstream-500").status()).isEqualTo(500);
        assertThat(rec("upstream-cut").status()).isEqualTo(502);
        assertThat(rec("upstream-down").status()).isEqualTo(503);
        assertThat(rec("rewritten").status()).isEqualTo(200);
        assertThat(rec("rewritten").targetModel()).isEqualTo(LLAMA);
    }

    @Test
    void typesAndLabelNamesAreTheReferences() {
        final Map<String, String> types = metrics.types;
        for (String counter : List.of("inference_model_request_total", "inference_model_request_error_total",
                                      "inference_extension_model_rewrite_decisions_total",
                                      "sluice_extension_calls_total", "sluice_upstream_retries_total",
                                      "sluice_upstream_failures_total", "sluice_requests_shed_total",
                                      "sluice_requests_queued_total", "sluice_config_reloads_total",
                                      "sluice_error_detail_total", "sluice_access_log_dropped_total")) {
            assertThat(types).containsEntry(counter, "counter");
        }
        for (String histogram : List.of("inference_model_request_duration_seconds", "inference_model_request_sizes",
                                        "inference_model_response_sizes", "inference_model_input_tokens",
                                        "inference_model_output_tokens", "inference_model_prompt_cached_tokens",
                                        "inference_model_normalized_time_per_output_token_seconds",
                                        "inference_model_request_ttft_seconds",
                                        "inference_extension_scheduler_e2e_duration_seconds",
                                        "sluice_extension_call_duration_seconds")) {
            assertThat(types).containsEntry(histogram, "histogram");
        }
        for (String gauge : List.of("inference_model_running_requests", "inference_pool_average_kv_cache_utilization",
                                    "inference_pool_average_queue_size", "inference_pool_average_running_requests",
                                    "inference_pool_ready_pods", "inference_pool_per_pod_queue_size",
                                    "inference_extension_info")) {
            assertThat(types).containsEntry(gauge, "gauge");
        }
        assertThat(metrics.labelNames("inference_model_request_total"))
                .containsExactlyInAnyOrder("model_name", "target_model_name");
        assertThat(metrics.labelNames("inference_model_request_error_total"))
                .containsExactlyInAnyOrder("model_name", "target_model_name", "error_code");
        for (String h : List.of("inference_model_request_duration_seconds", "inference_model_request_sizes",
                                "inference_model_response_sizes", "inference_model_input_tokens",
                                "inference_model_output_tokens", "inference_model_prompt_cached_tokens",
                                "inference_model_normalized_time_per_output_token_seconds")) {
            assertThat(metrics.labelNames(h + "_bucket")).as(h)
                    .containsExactlyInAnyOrder("model_name", "target_model_name", "le");
        }
        assertThat(metrics.labelNames("inference_model_running_requests")).containsExactly("model_name");
        assertThat(metrics.labelNames("inference_pool_average_kv_cache_utilization")).containsExactly("name");
        assertThat(metrics.labelNames("inference_pool_ready_pods")).containsExactly("name");
        assertThat(metrics.labelNames("inference_pool_per_pod_queue_size"))
                .containsExactlyInAnyOrder("name", "model_server_pod");
        assertThat(metrics.labelNames("inference_extension_info")).containsExactlyInAnyOrder("commit", "build_ref");
        assertThat(metrics.labelNames("inference_extension_model_rewrite_decisions_total"))
                .containsExactlyInAnyOrder("model_rewrite_name", "model_name", "target_model");
        assertThat(metrics.labelNames("inference_extension_scheduler_e2e_duration_seconds_bucket"))
                .containsExactly("le");
    }

    @Test
    void bucketsAreTheReferences() {
        final String[] m = { "model_name", LLAMA, "target_model_name", LLAMA };
        assertThat(metrics.buckets("inference_model_request_duration_seconds", m)).containsExactly(
                0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0,
                20.0, 30.0, 45.0, 60.0, 120.0, 180.0, 240.0, 300.0, 360.0, 480.0, 600.0, 900.0, 1200.0, 1800.0,
                2700.0, 3600.0, Double.POSITIVE_INFINITY);
        assertThat(metrics.buckets("inference_model_normalized_time_per_output_token_seconds", m)).containsExactly(
                0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, Double.POSITIVE_INFINITY);
        final List<Double> requestSizes = new ArrayList<>();
        for (double b = 64; b <= 1024.0 * 1024 * 1024; b *= 2) {
            requestSizes.add(b);
        }
        requestSizes.add(Double.POSITIVE_INFINITY);
        assertThat(metrics.buckets("inference_model_request_sizes", m)).isEqualTo(requestSizes);
        assertThat(metrics.buckets("inference_model_response_sizes", m)).containsExactly(
                1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0, 32778.0,
                65536.0, Double.POSITIVE_INFINITY);
        final List<Double> inputTokens = List.of(1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0,
                                                 4096.0, 8192.0, 16384.0, 32778.0, 65536.0, 131072.0, 262144.0,
                                                 524288.0, 1048576.0, Double.POSITIVE_INFINITY);
        assertThat(metrics.buckets("inference_model_input_tokens", m)).isEqualTo(inputTokens);
        assertThat(metrics.buckets("inference_model_prompt_cached_tokens", m)).isEqualTo(inputTokens);
        assertThat(metrics.buckets("inference_model_output_tokens", m)).containsExactly(
                1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0,
                Double.POSITIVE_INFINITY);
        assertThat(metrics.buckets("inference_model_request_ttft_seconds", "model_name", GEMMA))
                .hasSize(36).startsWith(0.005, 0.025).endsWith(3600.0, Double.POSITIVE_INFINITY);
        assertThat(metrics.buckets("inference_extension_scheduler_e2e_duration_seconds")).containsExactly(
                0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, Double.POSITIVE_INFINITY);
    }

    @Test
    void everyInferenceRequestIsCountedOnce() {
        final String t = "inference_model_request_total";
        assertThat(metrics.sum(t)).isEqualTo(traffic.size());
        assertThat(metrics.sum(t, "model_name", LLAMA, "target_model_name", LLAMA)).isEqualTo(2); // ok, fail-open
        assertThat(metrics.sum(t, "model_name", LLAMA, "target_model_name", "")).isEqualTo(2); // limited, closed
        assertThat(metrics.sum(t, "model_name", GEMMA, "target_model_name", GEMMA)).isEqualTo(4);
        assertThat(metrics.sum(t, "model_name", "", "target_model_name", "")).isEqualTo(2); // bad json, no model
        assertThat(metrics.sum(t, "model_name", "unknown", "target_model_name", "")).isEqualTo(1);
        assertThat(metrics.sum(t, "model_name", "canary-alias", "target_model_name", LLAMA)).isEqualTo(1);
    }

    @Test
    void errorsAreCountedWithGieCodes() {
        final String e = "inference_model_request_error_total";
        assertThat(metrics.sum(e)).isEqualTo(8);
        assertThat(metrics.sum(e, "model_name", "", "error_code", "BadRequest")).isEqualTo(2);
        assertThat(metrics.sum(e, "model_name", "unknown", "error_code", "NotFound")).isEqualTo(1);
        assertThat(metrics.sum(e, "model_name", LLAMA, "error_code", "ResourceExhausted")).isEqualTo(1);
        assertThat(metrics.sum(e, "model_name", LLAMA, "error_code", "Internal")).isEqualTo(1);
        assertThat(metrics.sum(e, "model_name", GEMMA, "target_model_name", GEMMA, "error_code", "ModelServerError"))
                .isEqualTo(2);
        assertThat(metrics.sum(e, "model_name", GEMMA, "error_code", "ServiceUnavailable")).isEqualTo(1);
    }

    @Test
    void errorDetailsAreCountedWithoutExtensionNames() {
        final String d = "sluice_error_detail_total";
        assertThat(metrics.sum(d, "error_detail", "http_request_error; details=\"malformed_request\"")).isEqualTo(1);
        assertThat(metrics.sum(d, "error_detail", "http_request_error; details=\"model_missing\"")).isEqualTo(1);
        assertThat(metrics.sum(d, "error_detail", "destination_not_found; details=\"no_route\"")).isEqualTo(1);
        assertThat(metrics.sum(d, "error_detail", "http_request_denied; details=\"extension\"")).isEqualTo(1);
        assertThat(metrics.sum(d, "error_detail", "proxy_internal_error; details=\"extension_failed\""))
                .isEqualTo(1);
        assertThat(metrics.sum(d, "error_detail", "http_response_incomplete; details=\"upstream_reset\""))
                .isEqualTo(1);
        assertThat(metrics.sum(d, "error_detail", rec("upstream-down").errorDetail())).isEqualTo(1);
        assertThat(metrics.sum(d)).isEqualTo(7);
        assertThat(rec("limited").errorDetail()).isEqualTo("http_request_denied; details=\"extension limiter\"");
    }

    @Test
    void successAndStreamingObservations() {
        final String[] llama = { "model_name", LLAMA, "target_model_name", LLAMA };
        assertThat(metrics.sum("inference_model_request_duration_seconds_count", llama)).isEqualTo(2);
        assertThat(metrics.sum("inference_model_output_tokens_sum", llama)).isEqualTo(10); // 5 + 5
        assertThat(metrics.sum("inference_model_input_tokens_count", llama)).isEqualTo(2);
        assertThat(metrics.sum("inference_model_prompt_cached_tokens_count", llama)).isEqualTo(2);
        assertThat(metrics.sum("inference_model_normalized_time_per_output_token_seconds_count", llama))
                .isEqualTo(2);
        assertThat(metrics.sum("inference_model_request_sizes_sum", llama))
                .isEqualTo(rec("ok-plain").requestBytes() + rec("fail-open").requestBytes());
        // The stream reported usage in its last chunk: 4 tokens, and one TTFT observation.
        final String[] gemma = { "model_name", GEMMA, "target_model_name", GEMMA };
        assertThat(metrics.sum("inference_model_request_ttft_seconds_count", gemma)).isEqualTo(1);
        assertThat(metrics.sum("inference_model_output_tokens_sum", gemma))
                .isEqualTo(4 + Math.max(0, rec("upstream-cut").outputTokens()));
        assertThat(metrics.sum("inference_model_request_ttft_seconds_sum", gemma))
                .isCloseTo(rec("ok-stream").ttftNanos() / 1e9, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(metrics.sum("inference_model_request_ttft_seconds_count", llama)).isZero();
    }

    @Test
    void pickerExtensionsAndUpstream() {
        final long picks = traffic.stream().filter(r -> r.pickNanos() >= 0).count();
        assertThat(metrics.sum("inference_extension_scheduler_e2e_duration_seconds_count")).isEqualTo(picks);
        assertThat(metrics.sum("inference_extension_model_rewrite_decisions_total", "model_rewrite_name",
                               "alias-rewrite", "model_name", "canary-alias", "target_model", LLAMA)).isEqualTo(1);
        assertThat(metrics.sum("inference_extension_info")).isEqualTo(1);
        assertThat(metrics.sum("sluice_extension_calls_total", "extension", "limiter", "event", "RequestBody",
                               "outcome", "immediate")).isEqualTo(1);
        assertThat(metrics.sum("sluice_extension_calls_total", "extension", "broken", "outcome", "failed"))
                .isEqualTo(1);
        assertThat(metrics.sum("sluice_extension_calls_total", "extension", "broken", "outcome", "failed_open"))
                .isEqualTo(1);
        assertThat(metrics.sum("sluice_extension_call_duration_seconds_count", "extension", "broken")).isEqualTo(2);
        assertThat(metrics.sum("sluice_upstream_failures_total", "pool", "gemma", "reason", "status_5xx"))
                .isEqualTo(1);
        assertThat(metrics.sum("sluice_upstream_failures_total", "pool", "gemma", "reason", "incomplete_response"))
                .isEqualTo(1);
        // Shedding and queueing belong to the load-aware picker; their series exist at 0 for every pool.
        assertThat(metrics.find("sluice_requests_shed_total", "pool", "llama")).singleElement()
                          .extracting(Exposition.Sample::value).isEqualTo(0.0);
        assertThat(metrics.find("sluice_requests_queued_total", "pool", "gemma")).hasSize(1);
    }

    @Test
    void retriesAreCounted() {
        gw.sim("llama-0").faults().errorRate(1).errorStatus(503);
        try {
            final String body = "{\"model\":\"" + LLAMA + "\",\"prompt\":\"retry me\",\"max_tokens\":1}";
            for (int i = 0; i < 12; i++) {
                assertThat(gw.post("retry-" + i, "/v1/completions", body).status()).isEqualTo(200);
            }
        } finally {
            gw.sim("llama-0").faults().reset();
        }
        assertThat(gw.scrape().sum("sluice_upstream_retries_total", "pool", "llama", "reason", "upstream_503"))
                .isPositive();
    }

    @Test
    void poolGaugesComeFromFreshScrapes() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            final Exposition e = gw.scrape();
            assertThat(e.sum("inference_pool_ready_pods", "name", "llama")).isEqualTo(2);
            assertThat(e.sum("inference_pool_ready_pods", "name", "gemma")).isEqualTo(1);
            assertThat(e.find("inference_pool_average_kv_cache_utilization", "name", "llama")).hasSize(1);
            assertThat(e.find("inference_pool_average_queue_size", "name", "gemma")).hasSize(1);
            assertThat(e.find("inference_pool_average_running_requests", "name", "gemma")).hasSize(1);
            assertThat(e.find("inference_pool_per_pod_queue_size", "name", "llama"))
                    .extracting(s -> s.labels().get("model_server_pod"))
                    .containsExactlyInAnyOrder("127.0.0.1-rank-0", "127.0.0.1-rank-1");
        });
    }

    @Test
    void runningRequestsFollowRequestsInFlight() {
        gw.sim("gemma-0").faults().extraLatency(Duration.ofMillis(1500));
        try {
            final HttpResponse slow = gw.http().execute(
                    RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON)
                                  .set("x-request-id", "slow-running").build(),
                    "{\"model\":\"" + GEMMA + "\",\"prompt\":\"hi\",\"max_tokens\":1}");
            final CompletableFuture<AggregatedHttpResponse> done = slow.aggregate();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    gw.scrape().sum("inference_model_running_requests", "model_name", GEMMA)).isEqualTo(1));
            assertThat(done.join().status().code()).isEqualTo(200);
        } finally {
            gw.sim("gemma-0").faults().reset();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                gw.scrape().find("inference_model_running_requests", "model_name", GEMMA))
                .singleElement().extracting(Exposition.Sample::value).isEqualTo(0.0));
    }

    @Test
    void openMetricsWhenAsked() {
        final AggregatedHttpResponse res = gw.admin().execute(
                RequestHeaders.of(HttpMethod.GET, "/metrics", HttpHeaderNames.ACCEPT,
                                  "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"))
                                             .aggregate().join();
        assertThat(res.contentType().toString()).startsWith("application/openmetrics-text");
        assertThat(res.contentUtf8()).contains("# TYPE inference_model_request counter")
                                     .contains("inference_model_request_total{")
                                     .endsWith("# EOF\n");
        final AggregatedHttpResponse text = gw.admin().get("/metrics").aggregate().join();
        assertThat(text.contentType().toString()).startsWith("text/plain; version=0.0.4");
    }

    @Test
    void reloadsAreCounted() throws Exception {
        final double before = gw.scrape().sum("sluice_config_reloads_total", "result", "failure");
        gw.rewriteConfig(YAML + "\n---\nkind: Nonsense\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                gw.scrape().sum("sluice_config_reloads_total", "result", "failure")).isEqualTo(before + 1));
        assertThat(gw.scrape().find("sluice_config_reloads_total", "result", "success")).hasSize(1);
        gw.rewriteConfig(YAML);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                gw.scrape().sum("sluice_config_reloads_total", "result", "success")).isGreaterThanOrEqualTo(1));
    }
}

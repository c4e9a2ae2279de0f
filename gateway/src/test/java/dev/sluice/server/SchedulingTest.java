package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.picker.metrics.MetricsState;

/** The scheduler and flow control inside the running gateway: prefix affinity, shedding and queueing. */
class SchedulingTest {

    @TempDir
    Path dir;

    private static AggregatedHttpResponse post(TestGateway gw, String body, String... headers) {
        final var h = RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON);
        for (int i = 0; i < headers.length; i += 2) {
            h.set(headers[i], headers[i + 1]);
        }
        return gw.http().execute(h.build(), body).aggregate().join();
    }

    private static String metrics(TestGateway gw) {
        return com.linecorp.armeria.client.WebClient.of("http://127.0.0.1:" + gw.server().adminPort())
                                                    .get("/metrics").aggregate().join().contentUtf8();
    }

    /** Returns the value of the sample line starting with {@code series}, or NaN when there is none. */
    private static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + ' ')) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return Double.NaN;
    }

    @Test
    void sharedPrefixes_stickToTheEndpointThatCachedThem() throws Exception {
        try (TestGateway gw = TestGateway.start(dir)) {
            final String prefix = "You are a food critic who writes vivid, careful reviews. ".repeat(40);
            for (int i = 0; i < 8; i++) {
                final long indexed = gw.server().prefixIndexBlocks("llama");
                final AggregatedHttpResponse r = post(gw, "{\"model\":\"food-review\",\"max_tokens\":1," +
                                                          "\"prompt\":\"" + prefix + ("Review place " + i + ". ").repeat(12) +
                                                          "\"}");
                assertThat(r.status()).isEqualTo(HttpStatus.OK);
                // The index records off the request path; wait for it so the next pick can see this prompt.
                await().until(() -> gw.server().prefixIndexBlocks("llama") > indexed);
            }
            final long a = gw.sim("llama-0").stats().requestsCompleted();
            final long b = gw.sim("llama-1").stats().requestsCompleted();
            // All eight follow the first to the endpoint that holds the prefix.
            assertThat(Math.max(a, b)).isEqualTo(8);
            assertThat(gw.records()).filteredOn(r -> r.cachedTokens() > 0).hasSizeGreaterThanOrEqualTo(6);

            // The prefix indexer on /metrics: its size, and the predicted hit of each decision (the first none,
            // the other seven most of the prompt).
            final String m = metrics(gw);
            assertThat(sample(m, "inference_extension_prefix_indexer_size{inference_pool=\"llama\"}"))
                    .isEqualTo(gw.server().prefixIndexBlocks("llama"));
            assertThat(sample(m, "inference_extension_prefix_indexer_hit_ratio_count{inference_pool=\"llama\"}"))
                    .isEqualTo(8);
            assertThat(sample(m, "inference_extension_prefix_indexer_hit_ratio_bucket{inference_pool=\"llama\"," +
                                 "le=\"0.0\"}")).isEqualTo(1);
            assertThat(sample(m, "inference_extension_prefix_indexer_hit_ratio_bucket{inference_pool=\"llama\"," +
                                 "le=\"0.5\"}")).isEqualTo(1);
            assertThat(sample(m, "inference_extension_prefix_indexer_hit_bytes_sum{inference_pool=\"llama\"}"))
                    .isGreaterThan(7 * prefix.length() * 0.9);
        }
    }

    @Test
    void saturatedPool_shedsSheddableRequests_andQueuesOthersUntilTheirWaitRunsOut() throws Exception {
        // One pod with room for one request's KV blocks, taking a minute to the first token: once a request holds
        // that block the pod is full (GIE's roofline: KV at 0.8 or more), so the pool is saturated.
        final String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: gw}
                spec:
                  listeners: [{name: http, port: ${PORT}, protocol: HTTP}]
                ---
                apiVersion: inference.networking.k8s.io/v1
                kind: InferencePool
                metadata:
                  name: busy
                  annotations: {sluice.dev/queue-max-wait: 3s, sluice.dev/queue-max-size: "2"}
                spec: {selector: {matchLabels: {app: busy}}, targetPorts: [{number: 8000}]}
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: ModelServer
                metadata: {name: busy-0, labels: {app: busy}}
                spec:
                  simulated: {model: m, timeToFirstToken: 60s, interTokenLatency: 1ms, outputTokens: 1, kvCacheBlocks: 1}
                ---
                apiVersion: inference.networking.x-k8s.io/v1alpha2
                kind: InferenceObjective
                metadata: {name: batch}
                spec: {priority: -1, poolRef: {name: busy}}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  rules:
                  - backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: busy}]
                """;
        try (TestGateway gw = TestGateway.start(dir, yaml, new ExtensionRegistry())) {
            final String authority = "127.0.0.1:" + gw.sim("busy-0").port();
            await().until(() -> gw.server().endpointMetrics().snapshot(authority).state() == MetricsState.FRESH);
            // Fill the pod: these never finish during the test (the client aborts them at the end).
            final List<HttpResponse> hogs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                hogs.add(gw.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type",
                                                             MediaType.JSON),
                                           "{\"model\":\"m\",\"prompt\":\"hog " + i + "\"}"));
            }
            await().atMost(10, TimeUnit.SECONDS).until(
                    () -> gw.server().endpointMetrics().snapshot(authority).metrics().kvCacheUsage() >= 0.8);
            try {
                final AggregatedHttpResponse shed = post(gw, "{\"model\":\"m\",\"prompt\":\"x\"}",
                                                         "x-gateway-inference-objective", "batch");
                assertThat(shed.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                assertThat(shed.contentUtf8()).contains("\"code\":\"pool_saturated\"");

                final long started = System.nanoTime();
                final var pending = gw.http().execute(
                        RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON)
                                      .build(), "{\"model\":\"m\",\"prompt\":\"y\"}").aggregate();
                // While it waits (3 s, long enough to read /metrics on a busy machine), the queue size shows it.
                final String size = "inference_extension_flow_control_queue_size{inference_pool=\"busy\"," +
                                    "priority=\"0\"}";
                await().atMost(10, TimeUnit.SECONDS).until(() -> sample(metrics(gw), size) == 1 || pending.isDone());
                assertThat(pending).isNotDone();
                final AggregatedHttpResponse queued = pending.join();
                assertThat(queued.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
                assertThat(queued.contentUtf8()).contains("\"code\":\"queue_timeout\"");
                assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(3));

                final String m = metrics(gw);
                assertThat(sample(m, size)).isZero();
                final String waited = "inference_extension_flow_control_request_queue_duration_seconds";
                final String timedOut = "{inference_pool=\"busy\",outcome=\"timed_out\",priority=\"0\"}";
                assertThat(sample(m, waited + "_count" + timedOut)).isEqualTo(1);
                assertThat(sample(m, waited + "_sum" + timedOut)).isGreaterThan(2.5);
                assertThat(sample(m, waited + "_count{inference_pool=\"busy\",outcome=\"shed\"," +
                                     "priority=\"-1\"}")).isEqualTo(1);
                assertThat(sample(m, "sluice_requests_shed_total{pool=\"busy\"}")).isEqualTo(1);
            } finally {
                hogs.forEach(HttpResponse::abort);
            }
        }
    }
}

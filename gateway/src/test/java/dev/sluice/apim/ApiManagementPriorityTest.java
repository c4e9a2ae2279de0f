package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.apim.store.InMemoryKeyStore;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.picker.metrics.MetricsState;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.server.TestGateway;

/**
 * A product's {@code priority} is the request's scheduling priority on whichever pool it is routed to, without an
 * InferenceObjective: on a saturated pool the free tier (priority -1) is shed with 429 at once, while the paid tier
 * is queued (and here times out in the queue, as nothing frees up).
 */
class ApiManagementPriorityTest {

    @TempDir
    Path dir;

    // One pod with room for one request's KV blocks, a minute to the first token: once a request holds that block
    // the pod is full (KV at 0.8 or more), so the pool is saturated without depending on timing.
    static final String YAML = """
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
              annotations: {sluice.dev/queue-max-wait: 400ms, sluice.dev/queue-max-size: "2"}
            spec: {selector: {matchLabels: {app: busy}}, targetPorts: [{number: 8000}]}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: busy-0, labels: {app: busy}}
            spec:
              simulated: {model: m, timeToFirstToken: 60s, interTokenLatency: 1ms, outputTokens: 1, kvCacheBlocks: 1}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              rules:
              - backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: busy}]
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ApiProduct
            metadata: {name: free}
            spec: {priority: -1}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ApiProduct
            metadata: {name: paid}
            spec: {priority: 10}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: TrafficExtension
            metadata: {name: apim}
            spec:
              targetRefs: [{name: gw}]
              extensionChains:
              - name: apim
                matchCondition: {celExpressions: [{celMatcher: 'request.path.startsWith("/v1/")'}]}
                extensions:
                - {name: api-management, service: api-management, supportedEvents: [RequestHeaders, RequestBody]}
            """;

    static AggregatedHttpResponse post(TestGateway gw, String id, String key) {
        return gw.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type",
                                                   MediaType.JSON, "x-api-key", key, "x-request-id", id),
                                 "{\"model\":\"m\",\"prompt\":\"" + id + "\"}").aggregate().join();
    }

    @Test
    void theFreeTierIsShedBeforeThePaidOneOnASaturatedPool() throws Exception {
        final InMemoryKeyStore keys = new InMemoryKeyStore(Clock.systemUTC());
        keys.createDeveloper("ada@example.com", null, null);
        final String free = keys.createKey(keys.createApp("ada@example.com", "f", List.of("free")).id(), null)
                                .secret();
        final String paid = keys.createKey(keys.createApp("ada@example.com", "p", List.of("paid")).id(), null)
                                .secret();
        final ApiManagement apim = ApiManagement.builder().keyStore(keys).build();
        final AtomicReference<TestGateway> running = new AtomicReference<>();
        apim.productsFromConfig(() -> running.get() != null ? running.get().server().snapshot().config() : null);
        try (TestGateway gw = TestGateway.start(dir, YAML, new ExtensionRegistry().register(ApiManagement.SERVICE,
                                                                                             apim.factory()),
                                                o -> o.closeAfter(apim))) {
            running.set(gw);
            final String authority = "127.0.0.1:" + gw.sim("busy-0").port();
            await().until(() -> gw.server().endpointMetrics().snapshot(authority).state() == MetricsState.FRESH);
            // Fill the pod with paid requests that never finish during the test.
            final List<HttpResponse> hogs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                hogs.add(gw.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type",
                                                             MediaType.JSON, "x-api-key", paid),
                                           "{\"model\":\"m\",\"prompt\":\"hog " + i + "\"}"));
            }
            await().atMost(10, TimeUnit.SECONDS).until(
                    () -> gw.server().endpointMetrics().snapshot(authority).metrics().kvCacheUsage() >= 0.8);
            try {
                final AggregatedHttpResponse shed = post(gw, "free-1", free);
                assertThat(shed.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
                assertThat(shed.contentUtf8()).contains("\"code\":\"pool_saturated\"");

                final long started = System.nanoTime();
                final AggregatedHttpResponse queued = post(gw, "paid-1", paid);
                assertThat(queued.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
                assertThat(queued.contentUtf8()).contains("\"code\":\"queue_timeout\"");
                assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
            } finally {
                hogs.forEach(HttpResponse::abort);
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> gw.records().size() >= 2);
            final ExchangeRecord freeRecord = gw.records().stream().filter(r -> r.requestId().equals("free-1"))
                                                .findFirst().orElseThrow();
            assertThat(freeRecord.priority()).isEqualTo(-1);
            assertThat(freeRecord.objective()).isNull();
            assertThat(gw.records().stream().filter(r -> r.requestId().equals("paid-1")).findFirst()
                         .orElseThrow().priority()).isEqualTo(10);
        }
    }
}

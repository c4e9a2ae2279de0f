package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;

import dev.sluice.extension.ExchangeEnd;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.simulator.SimulatorServer;

/** {@code ExtensionCall.onEnd()} completes once, with the right facts, on every way an exchange can end. */
class ExchangeEndTest {

    /** Ends seen by the {@code ends} extension, by request id. */
    static final Map<String, ExchangeEnd> ends = new ConcurrentHashMap<>();
    static final Map<String, Integer> endCalls = new ConcurrentHashMap<>();

    @TempDir
    static Path dir;
    static TestGateway gateway;

    static ExtensionRegistry registry() {
        return new ExtensionRegistry()
                .register("ends", spec -> (call, msg) -> {
                    if (msg.event() == dev.sluice.extension.ExtensionEvent.REQUEST_HEADERS) {
                        call.onEnd().thenAccept(e -> {
                            ends.put(call.requestId(), e);
                            endCalls.merge(call.requestId(), 1, Integer::sum);
                        });
                    }
                    final var req = call.request();
                    if (req != null && req.promptText().contains("deny me")) {
                        return CompletableFuture.completedFuture(ExtensionResult.respond(
                                HttpStatus.FORBIDDEN, "application/json",
                                "{\"error\":{\"message\":\"denied\"}}".getBytes(StandardCharsets.UTF_8)));
                    }
                    return CompletableFuture.completedFuture(ExtensionResult.proceed());
                });
    }

    @BeforeAll
    static void start() throws Exception {
        final String yaml = TestGateway.TWO_POOLS + TestGateway.SLOW_POOL + """
                ---
                apiVersion: inference.networking.k8s.io/v1
                kind: InferencePool
                metadata: {name: empty}
                spec:
                  selector: {matchLabels: {app: nothing-here}}
                  targetPorts: [{number: 8000}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: empty}
                spec:
                  parentRefs: [{name: gw}]
                  rules:
                  - matches: [{headers: [{name: x-pool, value: empty}]}]
                    backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: empty}]
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: ends}
                spec:
                  targetRefs: [{name: gw}]
                  extensionChains:
                  - name: all
                    matchCondition: {celExpressions: [{celMatcher: 'request.path.startsWith("/")'}]}
                    extensions:
                    - {name: ends, service: ends, supportedEvents: [RequestHeaders, RequestBody, ResponseBody]}
                """;
        gateway = TestGateway.start(dir, yaml, registry());
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

    static AggregatedHttpResponse post(String id, String body, String... headers) {
        final var b = RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON)
                                    .add("x-request-id", id);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return gateway.http().execute(b.build(), body).aggregate().join();
    }

    static ExchangeEnd endOf(String id) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> ends.containsKey(id));
        return ends.get(id);
    }

    @Test
    void normalAnswer() {
        final AggregatedHttpResponse r = post("end-ok", "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"hi\"," +
                                                        "\"max_tokens\":5}");
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        final ExchangeEnd e = endOf("end-ok");
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.clientCancelled()).isFalse();
        assertThat(e.upstreamResponded()).isTrue();
        assertThat(e.upstreamFailed()).isFalse();
        assertThat(e.pool()).isEqualTo("gemma");
        assertThat(e.targetModel()).isEqualTo("google/gemma-3-1b-it");
        assertThat(e.outputTokens()).isEqualTo(5);
        assertThat(e.inputTokens()).isPositive();
        assertThat(e.responseBytes()).isEqualTo(r.content().length());
        assertThat(e.requestBytes()).isPositive();
        assertThat(e.totalNanos()).isGreaterThanOrEqualTo(e.upstreamNanos()).isPositive();
        assertThat(e.startEpochMicros()).isPositive();
        assertThat(e.errorDetail()).isNull();
        assertThat(endCalls.get("end-ok")).isEqualTo(1);
    }

    @Test
    void immediateResponse() {
        assertThat(post("end-deny", "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"deny me\"}").status())
                .isEqualTo(HttpStatus.FORBIDDEN);
        final ExchangeEnd e = endOf("end-deny");
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.upstreamResponded()).isFalse();
        assertThat(e.pool()).isNull();
        assertThat(e.errorDetail()).startsWith("http_request_denied");
    }

    @Test
    void noRoute() {
        assertThat(post("end-noroute", "{\"model\":\"no-such-model\",\"prompt\":\"x\"}").status())
                .isEqualTo(HttpStatus.NOT_FOUND);
        final ExchangeEnd e = endOf("end-noroute");
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.upstreamResponded()).isFalse();
        assertThat(e.errorDetail()).startsWith("destination_not_found");
    }

    @Test
    void noCapacity() {
        assertThat(post("end-empty", "{\"model\":\"x\",\"prompt\":\"x\"}", "x-pool", "empty").status())
                .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        final ExchangeEnd e = endOf("end-empty");
        assertThat(e.status()).isEqualTo(503);
        assertThat(e.upstreamResponded()).isFalse();
        assertThat(e.pool()).isEqualTo("empty");
        assertThat(e.errorDetail()).startsWith("destination_unavailable");
    }

    @Test
    void upstreamDiesMidStream() {
        gateway.sim("gemma-0").faults().dieMidStreamAfterChunks(2);
        assertThat(post("end-died", "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"stream\":true," +
                                    "\"max_tokens\":50}").status()).isEqualTo(HttpStatus.OK);
        final ExchangeEnd e = endOf("end-died");
        assertThat(e.upstreamResponded()).isTrue();
        assertThat(e.upstreamFailed()).isTrue();
        assertThat(e.clientCancelled()).isFalse();
        assertThat(e.errorDetail()).contains("upstream_reset");
    }

    @Test
    void upstreamRefusesEveryConnection() {
        gateway.sim("gemma-0").faults().refuseConnections(true);
        assertThat(post("end-refused", "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\"}").status())
                .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        final ExchangeEnd e = endOf("end-refused");
        assertThat(e.upstreamResponded()).isFalse();
        assertThat(e.upstreamFailed()).isTrue();
    }

    @Test
    void clientLeavesMidStream() {
        final SimulatorServer sim = gateway.sim("slow-0");
        final HttpResponse res = gateway.http().execute(
                RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON,
                                  "x-request-id", "end-left"),
                "{\"model\":\"slow/model\",\"prompt\":\"x\",\"stream\":true,\"max_tokens\":100000}");
        final SplitHttpResponse split = res.split();
        assertThat(split.headers().join().status()).isEqualTo(HttpStatus.OK);
        await().atMost(10, TimeUnit.SECONDS).until(() -> sim.stats().inFlight() > 0);
        res.abort();
        final ExchangeEnd e = endOf("end-left");
        assertThat(e.clientCancelled()).isTrue();
        assertThat(e.upstreamResponded()).isTrue();
        assertThat(e.status()).isEqualTo(200);
    }
}

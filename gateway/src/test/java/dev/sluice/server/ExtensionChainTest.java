package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;

import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.extension.ExtensionResult;

/** TrafficExtension chains end to end: CEL selection, every event, immediate answers, timeouts and failOpen. */
class ExtensionChainTest {

    /** Events seen by the {@code recorder} extension, as "requestId EventName". */
    static final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

    @TempDir
    static Path dir;
    static Server echo;
    static TestGateway gateway;

    static ExtensionRegistry registry() {
        return new ExtensionRegistry()
                .register("tag", spec -> (call, msg) -> CompletableFuture.completedFuture(
                        ExtensionResult.setHeaders(java.util.Map.of("x-tag", call.metadata().get("value")))))
                .register("recorder", spec -> (call, msg) -> {
                    seen.add(call.requestId() + ' ' + msg.event().configName() +
                             (msg instanceof ExtensionMessage.Body b && b.endOfStream() ? " end" : ""));
                    return CompletableFuture.completedFuture(ExtensionResult.proceed());
                })
                .register("deny", spec -> (call, msg) -> {
                    final var req = call.request();
                    if (req != null && req.promptText().contains("forbidden")) {
                        return CompletableFuture.completedFuture(ExtensionResult.respond(
                                HttpStatus.FORBIDDEN, "application/json",
                                "{\"error\":{\"message\":\"denied\"}}".getBytes(StandardCharsets.UTF_8)));
                    }
                    return CompletableFuture.completedFuture(ExtensionResult.proceed());
                })
                .register("slow", spec -> slow(Long.parseLong(spec.metadata().get("delayMs"))))
                .register("upper", spec -> (call, msg) -> {
                    if (msg instanceof ExtensionMessage.Body b && !b.data().isEmpty()) {
                        return CompletableFuture.completedFuture(ExtensionResult.replaceBody(
                                HttpData.ofUtf8(b.data().toStringUtf8().toUpperCase())));
                    }
                    return CompletableFuture.completedFuture(ExtensionResult.proceed());
                });
    }

    static Extension slow(long delayMs) {
        return (call, msg) -> CompletableFuture.supplyAsync(ExtensionResult::proceed,
                CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS));
    }

    @BeforeAll
    static void start() throws Exception {
        // A plain Service backend that answers with trailers, to exercise the trailer events.
        echo = Server.builder().http(0).service("/echo", (ctx, req) -> HttpResponse.of(
                ResponseHeaders.of(HttpStatus.OK, "content-type", "text/plain"),
                HttpData.ofUtf8("echo body"), HttpHeaders.of("x-trailer", "t"))).build();
        echo.start().join();
        final String yaml = TestGateway.TWO_POOLS + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: echo}
                spec:
                  parentRefs: [{name: gw}]
                  rules:
                  - matches: [{path: {type: Exact, value: /echo}}]
                    backendRefs: [{kind: Service, name: 127.0.0.1, port: ECHO_PORT}]
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: policies}
                spec:
                  targetRefs: [{name: gw}]
                  extensionChains:
                  - name: first
                    matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-chain"] == "one"'}]}
                    extensions:
                    - {name: tag-one, service: tag, supportedEvents: [RequestHeaders], metadata: {value: one}}
                  - name: slow-closed-request
                    matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "slow-closed-req"'}]}
                    extensions:
                    - {name: s, service: slow, supportedEvents: [RequestHeaders], timeout: 50ms, failOpen: false, metadata: {delayMs: "1000"}}
                  - name: slow-open-request
                    matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "slow-open-req"'}]}
                    extensions:
                    - {name: s, service: slow, supportedEvents: [RequestHeaders, RequestBody], timeout: 50ms, failOpen: true, metadata: {delayMs: "1000"}}
                  - name: slow-closed-response
                    matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "slow-closed-resp"'}]}
                    extensions:
                    - {name: s, service: slow, supportedEvents: [ResponseBody], timeout: 50ms, failOpen: false, metadata: {delayMs: "1000"}}
                  - name: slow-open-response
                    matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "slow-open-resp"'}]}
                    extensions:
                    - {name: s, service: slow, supportedEvents: [ResponseHeaders, ResponseBody], timeout: 50ms, failOpen: true, metadata: {delayMs: "1000"}}
                  - name: upper
                    matchCondition: {celExpressions: [{celMatcher: 'request.headers["x-case"] == "upper"'}]}
                    extensions:
                    - {name: up, service: upper, supportedEvents: [ResponseBody]}
                  - name: everything
                    matchCondition: {celExpressions: [{celMatcher: 'request.method == "GET"'}, {celMatcher: 'request.path.startsWith("/")'}]}
                    extensions:
                    - {name: deny, service: deny, supportedEvents: [RequestBody]}
                    - {name: tag-two, service: tag, supportedEvents: [RequestHeaders], metadata: {value: two}}
                    - name: recorder
                      service: recorder
                      supportedEvents: [RequestHeaders, RequestBody, RequestTrailers, ResponseHeaders, ResponseBody, ResponseTrailers]
                """.replace("ECHO_PORT", String.valueOf(echo.activeLocalPort()));
        gateway = TestGateway.start(dir, yaml, registry());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        echo.stop().join();
    }

    @BeforeEach
    void clear() {
        seen.clear();
    }

    private static AggregatedHttpResponse post(String path, String body, String... headers) {
        final var h = RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON);
        for (int i = 0; i < headers.length; i += 2) {
            h.set(headers[i], headers[i + 1]);
        }
        return gateway.http().execute(h.build(), body).aggregate().join();
    }

    private static String gemmaLastTag() {
        final List<java.util.Map<String, String>> hs = gateway.sim("gemma-0").stats().lastRequestHeaders();
        return hs.get(hs.size() - 1).get("x-tag");
    }

    private static final String GEMMA = "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"hello\",\"max_tokens\":3}";
    private static final String GEMMA_STREAM =
            "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"hello\",\"max_tokens\":3,\"stream\":true}";

    @Test
    void firstMatchingChainWins() {
        assertThat(post("/v1/completions", GEMMA, "x-chain", "one").status()).isEqualTo(HttpStatus.OK);
        assertThat(gemmaLastTag()).isEqualTo("one");
        assertThat(post("/v1/completions", GEMMA).status()).isEqualTo(HttpStatus.OK);
        assertThat(gemmaLastTag()).isEqualTo("two");
    }

    @Test
    void everyEventReachesTheExtension_streaming() {
        final AggregatedHttpResponse r = post("/v1/completions", GEMMA_STREAM, "x-request-id", "ev-1");
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        assertThat(seen).contains("ev-1 RequestHeaders", "ev-1 RequestBody end", "ev-1 ResponseHeaders",
                                  "ev-1 ResponseBody", "ev-1 ResponseBody end");
    }

    @Test
    void trailerEventsReachTheExtension() {
        final HttpRequest req = HttpRequest.of(
                RequestHeaders.of(HttpMethod.POST, "/echo", "content-type", "text/plain", "x-request-id", "tr-1"),
                com.linecorp.armeria.common.stream.StreamMessage.of(HttpData.ofUtf8("ping"),
                                                                      HttpHeaders.of("x-req-trailer", "r")));
        final AggregatedHttpResponse r = gateway.http().execute(req).aggregate().join();
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        assertThat(r.contentUtf8()).isEqualTo("echo body");
        assertThat(r.trailers().get("x-trailer")).isEqualTo("t");
        assertThat(seen).contains("tr-1 RequestHeaders", "tr-1 RequestBody end", "tr-1 RequestTrailers",
                                  "tr-1 ResponseHeaders", "tr-1 ResponseTrailers");
    }

    @Test
    void immediateResponse_stopsTheRequest() {
        final long before = gateway.sim("gemma-0").stats().requestsReceived();
        final AggregatedHttpResponse r = post("/v1/completions",
                                              "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"a forbidden x\"}");
        assertThat(r.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(r.contentUtf8()).isEqualTo("{\"error\":{\"message\":\"denied\"}}");
        assertThat(gateway.sim("gemma-0").stats().requestsReceived()).isEqualTo(before);
    }

    @Test
    void timeout_failClosedBeforeResponseHeaders_is500() {
        final AggregatedHttpResponse r = post("/v1/completions", GEMMA, "x-case", "slow-closed-req");
        assertThat(r.status()).isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(r.contentUtf8()).contains("\"code\":\"extension_failed\"");
    }

    @Test
    void timeout_failOpenBeforeResponseHeaders_continues() {
        final AggregatedHttpResponse r = post("/v1/completions", GEMMA, "x-case", "slow-open-req");
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        assertThat(r.contentUtf8()).contains("text_completion");
    }

    @Test
    void timeout_failClosedAfterResponseHeaders_resetsTheStream() {
        final var split = gateway.http().execute(
                RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON)
                              .set("x-case", "slow-closed-resp").build(), GEMMA_STREAM).split();
        // The headers went out before the extension was called, so the failure can only reset the stream.
        assertThat(split.headers().join().status()).isEqualTo(HttpStatus.OK);
        final Throwable t = catchThrowable(() -> split.body().collect().join());
        assertThat(t).isNotNull();
    }

    @Test
    void timeout_failOpenAfterResponseHeaders_streamsToTheEnd() {
        final AggregatedHttpResponse r = post("/v1/completions", GEMMA_STREAM, "x-case", "slow-open-resp");
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        assertThat(r.contentUtf8()).contains("[DONE]");
    }

    @Test
    void responseBodyExtension_canRewriteTheBody() {
        final AggregatedHttpResponse r = post("/v1/completions", GEMMA, "x-case", "upper");
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        assertThat(r.contentUtf8()).contains("TEXT_COMPLETION");
        assertThat(r.headers().contentLength()).isEqualTo(r.content().length());
    }
}

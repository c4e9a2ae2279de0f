package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.ExtensionCallRecord;
import dev.sluice.proxy.TraceContext;
import dev.sluice.server.TestGateway;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/** Spans built from exchange records: ids, parents, timestamps, sampling, and the traceparent the upstream saw. */
class TracingTest {

    private static List<SpanData> export(ExchangeRecord r, double ratio) {
        final InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (ExchangeTracer tracer = new ExchangeTracer(exporter, ratio)) {
            tracer.export(r);
            tracer.forceFlush().join(5, TimeUnit.SECONDS);
            return exporter.getFinishedSpanItems();
        }
    }

    private static SpanData named(List<SpanData> spans, String prefix) {
        return spans.stream().filter(s -> s.getName().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void spans_carryTheRecordsIdsParentsAndTimes() {
        final RecordBuilder b = new RecordBuilder().status(502).error("connection_terminated; details=\"x\"");
        b.trace = new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "1111111111111111",
                                   "2222222222222222", true);
        b.calls.add(new ExtensionCallRecord("armor", "RequestBody", "failed_open", b.requestStartNanos + 1_000_000,
                                            400_000));
        final List<SpanData> spans = export(b.build(), 0.0); // the client's sampled flag wins over the ratio
        assertThat(spans).hasSize(4);
        final long base = b.startEpochMicros * 1000;

        final SpanData request = named(spans, "POST by-model");
        assertThat(request.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(request.getSpanId()).isEqualTo("1111111111111111");
        assertThat(request.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(request.getParentSpanContext().isRemote()).isTrue();
        assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(request.getStartEpochNanos()).isEqualTo(base);
        assertThat(request.getEndEpochNanos()).isEqualTo(base + b.totalNanos);
        assertThat(request.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(request.getAttributes().get(AttributeKey.stringKey("sluice.proxy_status")))
                .isEqualTo("connection_terminated; details=\"x\"");
        assertThat(request.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model")))
                .isEqualTo("food-review");
        assertThat(request.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(502);
        assertThat(request.getResource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("sluice");

        final SpanData up = spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
        assertThat(up.getSpanId()).isEqualTo("2222222222222222");
        assertThat(up.getParentSpanId()).isEqualTo("1111111111111111");
        assertThat(up.getTraceId()).isEqualTo(request.getTraceId());
        assertThat(up.getStartEpochNanos()).isEqualTo(base + (b.upstreamStartNanos - b.requestStartNanos));
        assertThat(up.getEndEpochNanos() - up.getStartEpochNanos()).isEqualTo(b.upstreamNanos);
        assertThat(up.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("10.0.0.12:8000");

        final SpanData pick = named(spans, "pick");
        assertThat(pick.getParentSpanId()).isEqualTo("1111111111111111");
        assertThat(pick.getEndEpochNanos()).isEqualTo(up.getStartEpochNanos());
        assertThat(pick.getEndEpochNanos() - pick.getStartEpochNanos()).isEqualTo(b.pickNanos);

        final SpanData ext = named(spans, "extension armor");
        assertThat(ext.getParentSpanId()).isEqualTo("1111111111111111");
        assertThat(ext.getStartEpochNanos()).isEqualTo(base + 1_000_000);
        assertThat(ext.getEndEpochNanos()).isEqualTo(base + 1_400_000);
        assertThat(ext.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(ext.getAttributes().get(AttributeKey.stringKey("sluice.extension.outcome")))
                .isEqualTo("failed_open");
        // Distinct ids for the spans the proxy did not name.
        assertThat(spans).extracting(SpanData::getSpanId).doesNotHaveDuplicates();
    }

    @Test
    void sampling_obeysTheClientThenTheRatio() {
        final RecordBuilder unsampledClient = new RecordBuilder();
        unsampledClient.trace = new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
                                                 "1111111111111111", "2222222222222222", false);
        assertThat(export(unsampledClient.build(), 1.0)).isEmpty();

        final ExchangeRecord startsHere = new RecordBuilder().build();
        assertThat(export(startsHere, 0.0)).isEmpty();
        final List<SpanData> spans = export(startsHere, 1.0);
        final SpanData root = named(spans, "POST by-model");
        assertThat(root.getTraceId()).isEqualTo(startsHere.trace().traceId());
        assertThat(root.getSpanId()).isEqualTo(startsHere.trace().requestSpanId());
        assertThat(root.getParentSpanContext().isValid()).isFalse();
    }

    @Test
    void noPickOrUpstream_onlyTheRequestSpan() {
        final RecordBuilder b = new RecordBuilder().status(404).error("destination_not_found; details=\"no_route\"");
        b.pickNanos = -1;
        b.upstreamStartNanos = -1;
        b.upstreamNanos = -1;
        b.route = null;
        final List<SpanData> spans = export(b.build(), 1.0);
        assertThat(spans).singleElement().extracting(SpanData::getName).isEqualTo("POST");
        assertThat(spans.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void otlpExporter_postsProtobufToTracesPath() throws Exception {
        final java.util.concurrent.LinkedBlockingQueue<String> posts = new java.util.concurrent.LinkedBlockingQueue<>();
        final Server collector = Server.builder().http(0).service("/v1/traces", (ctx, req) -> HttpResponse.of(
                req.aggregate().thenApply(agg -> {
                    posts.add(agg.headers().contentType() + " " + agg.content().length());
                    return com.linecorp.armeria.common.AggregatedHttpResponse.of(HttpStatus.OK).toHttpResponse();
                }))).build();
        collector.start().join();
        try (ExchangeTracer tracer = new ExchangeTracer(
                ExchangeTracer.otlpExporter("http://127.0.0.1:" + collector.activeLocalPort()), 1.0)) {
            tracer.export(new RecordBuilder().build());
            assertThat(tracer.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
            final String post = posts.poll(10, TimeUnit.SECONDS);
            assertThat(post).startsWith("application/x-protobuf");
            assertThat(Integer.parseInt(post.substring(post.indexOf(' ') + 1))).isGreaterThan(100);
        } finally {
            collector.stop().join();
        }
    }

    @Test
    void tracingIsOffByDefault(@TempDir Path dir) throws Exception {
        try (ObservedGateway gw = ObservedGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                                                        new ObserveOptions())) {
            assertThat(gw.server().observability().tracer()).isNull();
        }
    }

    @Test
    void gateway_exportsSpansWhoseUpstreamIdTheModelServerReceived(@TempDir Path dir) throws Exception {
        final AtomicReference<String> received = new AtomicReference<>();
        final Server upstream = Server.builder().http(0).service("/echo", (ctx, req) -> {
            received.set(req.headers().get(TraceContext.TRACEPARENT));
            return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok");
        }).build();
        upstream.start().join();
        final InMemorySpanExporter exporter = InMemorySpanExporter.create();
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
                """.replace("ECHO_PORT", String.valueOf(upstream.activeLocalPort()));
        try (ObservedGateway gw = ObservedGateway.start(dir, yaml, new ExtensionRegistry(),
                                                        new ObserveOptions().spanExporter(exporter))) {
            final String clientParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            assertThat(gw.http().execute(RequestHeaders.of(HttpMethod.GET, "/echo", "traceparent", clientParent,
                                                           "x-request-id", "traced"))
                         .aggregate().join().status().code()).isEqualTo(200);
            assertThat(gw.post("traced-llm", "/v1/completions", "{\"model\":\"food-review\",\"prompt\":\"x\"}",
                               "traceparent", clientParent).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                gw.server().observability().tracer().forceFlush().join(1, TimeUnit.SECONDS);
                assertThat(exporter.getFinishedSpanItems().stream()
                                   .filter(s -> s.getKind() == SpanKind.CLIENT)).hasSize(2);
            });
            final String seenByUpstream = received.get();
            final SpanData echoUpstream = exporter.getFinishedSpanItems().stream()
                    .filter(s -> s.getKind() == SpanKind.CLIENT &&
                                 !"llama".equals(s.getAttributes().get(AttributeKey.stringKey("sluice.pool"))))
                    .findFirst().orElseThrow();
            assertThat(seenByUpstream).isEqualTo("00-" + echoUpstream.getTraceId() + '-' +
                                                 echoUpstream.getSpanId() + "-01");
            assertThat(echoUpstream.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            final SpanData echoRequest = exporter.getFinishedSpanItems().stream()
                    .filter(s -> s.getSpanId().equals(echoUpstream.getParentSpanId())).findFirst().orElseThrow();
            assertThat(echoRequest.getKind()).isEqualTo(SpanKind.SERVER);
            assertThat(echoRequest.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
            assertThat(echoRequest.getEndEpochNanos()).isGreaterThanOrEqualTo(echoUpstream.getEndEpochNanos());
            assertThat(exporter.getFinishedSpanItems()).extracting(SpanData::getName).contains("pick");
        } finally {
            upstream.stop().join();
        }
    }
}

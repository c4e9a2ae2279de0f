package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.ExtensionCallRecord;
import dev.sluice.proxy.TraceContext;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * Turns each finished exchange into OpenTelemetry spans, after the fact, with the ids the proxy already used:
 *
 * <pre>
 * request span (SERVER, id = requestSpanId, parent = the client's traceparent span, if any)
 *   ├─ one span per extension call (INTERNAL), at its measured start and duration
 *   ├─ pick (INTERNAL): the endpoint picker, ending when the first upstream attempt starts
 *   └─ upstream (CLIENT, id = upstreamSpanId): the model server saw this span as its parent in traceparent
 * </pre>
 *
 * <p>Building spans from the record keeps the proxy free of tracing code and costs nothing for unsampled traces.
 * The SDK's {@link SpanBuilder} cannot be given a span id, so an {@link IdGenerator} hands out the record's ids for
 * the span being started on this thread, and random ids otherwise.
 *
 * <p>Sampling is parent-based: a client's sampled flag is obeyed (sampled or not), and traces that start at the
 * gateway are kept with the configured ratio. The pick span's start is derived from the picker's duration and the
 * first upstream attempt's start (or the end of the exchange when no attempt was made).
 */
public final class ExchangeTracer implements AutoCloseable {

    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> SERVER = AttributeKey.stringKey("server.address");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("sluice.request_id");
    static final AttributeKey<String> POOL = AttributeKey.stringKey("sluice.pool");
    static final AttributeKey<String> PROXY_STATUS = AttributeKey.stringKey("sluice.proxy_status");
    static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("sluice.attempts");
    static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> TARGET_MODEL = AttributeKey.stringKey("sluice.target_model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<String> EXTENSION = AttributeKey.stringKey("sluice.extension");
    static final AttributeKey<String> EVENT = AttributeKey.stringKey("sluice.extension.event");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sluice.extension.outcome");

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final RecordIds ids = new RecordIds();

    /**
     * Creates a tracer that batches spans to {@code exporter}.
     *
     * @param sampleRatio the share of traces starting at the gateway that are kept, from 0 to 1
     */
    public ExchangeTracer(SpanExporter exporter, double sampleRatio) {
        requireNonNull(exporter, "exporter");
        checkRatio(sampleRatio);
        provider = SdkTracerProvider.builder()
                                    .setIdGenerator(ids)
                                    .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
                                    .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                                            AttributeKey.stringKey("service.name"), "sluice"))))
                                    .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                                    .build();
        tracer = provider.get("dev.sluice.gateway", BuildInfo.version());
    }

    /**
     * Returns an OTLP http/protobuf exporter to {@code endpoint}; a URL with no path gets the standard
     * {@code /v1/traces}.
     */
    public static SpanExporter otlpExporter(String endpoint) {
        return OtlpHttpSpanExporter.builder().setEndpoint(tracesUrl(endpoint)).build();
    }

    /** Validates {@code endpoint} and adds {@code /v1/traces} when it has no path. */
    static String tracesUrl(String endpoint) {
        requireNonNull(endpoint, "endpoint");
        final URI uri;
        try {
            uri = URI.create(endpoint.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("otlpEndpoint: " + endpoint + " (expected: an http or https URL)");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("otlpEndpoint: " + endpoint + " (expected: an http or https URL)");
        }
        final String s = uri.toString();
        if (uri.getRawPath() == null || uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath())) {
            return (s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + "/v1/traces";
        }
        return s;
    }

    static double checkRatio(double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("traceSampleRatio: " + ratio + " (expected: 0..1)");
        }
        return ratio;
    }

    /** Builds and queues the spans of {@code r}. */
    public void export(ExchangeRecord r) {
        final TraceContext tc = r.trace();
        final long base = r.startEpochMicros() * 1000 - r.requestStartNanos();
        final long start = r.requestStartNanos();
        final long end = start + Math.max(0, r.totalNanos());

        final Context parent = tc.parentSpanId() == null
                               ? Context.root()
                               : Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
                                       tc.traceId(), tc.parentSpanId(),
                                       tc.sampled() ? TraceFlags.getSampled() : TraceFlags.getDefault(),
                                       TraceState.getDefault())));
        final SpanBuilder rb = tracer.spanBuilder(r.route() != null ? r.method() + ' ' + r.route() : r.method())
                                     .setParent(parent)
                                     .setSpanKind(SpanKind.SERVER)
                                     .setStartTimestamp(base + start, TimeUnit.NANOSECONDS)
                                     .setAttribute(METHOD, r.method())
                                     .setAttribute(PATH, r.path())
                                     .setAttribute(STATUS, (long) r.status())
                                     .setAttribute(REQUEST_ID, r.requestId());
        set(rb, ROUTE, r.route());
        set(rb, CLIENT, r.clientAddress());
        set(rb, POOL, r.pool());
        set(rb, MODEL, r.model());
        set(rb, TARGET_MODEL, r.targetModel());
        set(rb, PROXY_STATUS, r.errorDetail());
        if (r.inputTokens() >= 0) {
            rb.setAttribute(INPUT_TOKENS, r.inputTokens());
        }
        if (r.outputTokens() >= 0) {
            rb.setAttribute(OUTPUT_TOKENS, r.outputTokens());
        }
        final Span request = ids.start(rb, tc.requestSpanId(), tc.traceId());
        if (!request.isRecording()) {
            return;
        }
        if (r.status() >= 500 || r.status() == 0) {
            request.setStatus(StatusCode.ERROR, r.errorDetail() != null ? r.errorDetail() : "");
        }
        final Context inRequest = Context.root().with(request);

        final List<ExtensionCallRecord> calls = r.extensionCalls();
        for (int i = 0; i < calls.size(); i++) {
            final ExtensionCallRecord c = calls.get(i);
            final Span s = tracer.spanBuilder("extension " + c.extension() + ' ' + c.event())
                                 .setParent(inRequest)
                                 .setSpanKind(SpanKind.INTERNAL)
                                 .setStartTimestamp(base + c.startNanos(), TimeUnit.NANOSECONDS)
                                 .setAttribute(EXTENSION, c.extension())
                                 .setAttribute(EVENT, c.event())
                                 .setAttribute(OUTCOME, c.outcome())
                                 .startSpan();
            if (!"ok".equals(c.outcome()) && !"immediate".equals(c.outcome())) {
                s.setStatus(StatusCode.ERROR, c.outcome());
            }
            s.end(base + c.startNanos() + c.durationNanos(), TimeUnit.NANOSECONDS);
        }

        if (r.pickNanos() >= 0) {
            final long pickEnd = r.upstreamStartNanos() >= 0 ? r.upstreamStartNanos() : end;
            final SpanBuilder pb = tracer.spanBuilder("pick")
                                         .setParent(inRequest)
                                         .setSpanKind(SpanKind.INTERNAL)
                                         .setStartTimestamp(base + pickEnd - r.pickNanos(), TimeUnit.NANOSECONDS);
            set(pb, POOL, r.pool());
            pb.startSpan().end(base + pickEnd, TimeUnit.NANOSECONDS);
        }

        if (r.upstreamStartNanos() >= 0) {
            final long upstreamEnd = r.upstreamNanos() >= 0 ? r.upstreamStartNanos() + r.upstreamNanos() : end;
            final SpanBuilder ub = tracer.spanBuilder(r.method())
                                         .setParent(inRequest)
                                         .setSpanKind(SpanKind.CLIENT)
                                         .setStartTimestamp(base + r.upstreamStartNanos(), TimeUnit.NANOSECONDS)
                                         .setAttribute(METHOD, r.method())
                                         .setAttribute(ATTEMPTS, (long) r.attempts());
            set(ub, SERVER, r.endpoint());
            set(ub, POOL, r.pool());
            set(ub, TARGET_MODEL, r.targetModel());
            final Span upstream = ids.start(ub, tc.upstreamSpanId(), tc.traceId());
            upstream.end(base + upstreamEnd, TimeUnit.NANOSECONDS);
        }
        request.end(base + end, TimeUnit.NANOSECONDS);
    }

    private static void set(SpanBuilder b, AttributeKey<String> key, @Nullable String value) {
        if (value != null) {
            b.setAttribute(key, value);
        }
    }

    /** Exports the spans queued so far; for tests and shutdown. */
    public CompletableResultCode forceFlush() {
        return provider.forceFlush();
    }

    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }

    /**
     * Gives the span being started on this thread the ids of the record; other spans get random ids. The SDK asks
     * for the span id first, then for a trace id only when the span has no valid parent.
     */
    private static final class RecordIds implements IdGenerator {
        private static final IdGenerator RANDOM = IdGenerator.random();
        private final ThreadLocal<String[]> next = ThreadLocal.withInitial(() -> new String[2]);

        Span start(SpanBuilder builder, String spanId, String traceId) {
            final String[] n = next.get();
            n[0] = spanId;
            n[1] = traceId;
            try {
                return builder.startSpan();
            } finally {
                n[0] = null;
                n[1] = null;
            }
        }

        @Override
        public String generateSpanId() {
            final String[] n = next.get();
            final String id = n[0];
            if (id != null) {
                n[0] = null;
                return id;
            }
            return RANDOM.generateSpanId();
        }

        @Override
        public String generateTraceId() {
            final String[] n = next.get();
            final String id = n[1];
            if (id != null) {
                n[1] = null;
                return id;
            }
            return RANDOM.generateTraceId();
        }
    }
}

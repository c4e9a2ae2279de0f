package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.Resources.LoggingPolicy;

import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Observability settings that are not part of the resource configuration: metric names, the access log of
 * exchanges with no pool, and tracing. Defaults: {@code inference_model_*} names, no access log without a pool
 * policy, no tracing.
 */
public final class ObserveOptions {

    private MetricNaming naming = MetricNaming.MODEL;
    private @Nullable LoggingPolicy accessLogDefault;
    private @Nullable String otlpEndpoint;
    private @Nullable SpanExporter spanExporter;
    private double traceSampleRatio = 1.0;
    private @Nullable Consumer<String> accessLogSink;
    private RandomGenerator random = ThreadLocalRandom.current();
    private int accessLogCapacity = AccessLog.DEFAULT_CAPACITY;
    private final java.util.List<io.prometheus.metrics.model.registry.MultiCollector> collectors =
            new java.util.ArrayList<>();

    /** Adds metrics kept by a module outside the gateway (API management's limiter, say) to the gateway's. */
    public ObserveOptions collector(io.prometheus.metrics.model.registry.MultiCollector collector) {
        collectors.add(requireNonNull(collector, "collector"));
        return this;
    }

    java.util.List<io.prometheus.metrics.model.registry.MultiCollector> collectors() {
        return java.util.List.copyOf(collectors);
    }

    /** Sets the names of the per-model metrics. */
    public ObserveOptions metricNaming(MetricNaming naming) {
        this.naming = requireNonNull(naming, "naming");
        return this;
    }

    /**
     * Logs exchanges that reached no pool at {@code sampleRate} per million (errors always): 0 logs errors only,
     * a negative rate logs none (the default).
     */
    public ObserveOptions accessLogDefault(int sampleRate) {
        if (sampleRate > AccessLogSampler.MILLION) {
            throw new IllegalArgumentException("accessLogDefault: " + sampleRate + " (expected: -1..1000000)");
        }
        accessLogDefault = sampleRate < 0 ? null : new LoggingPolicy(true, sampleRate);
        return this;
    }

    /** Exports spans over OTLP http/protobuf to {@code endpoint} ({@code /v1/traces} is added to a bare URL). */
    public ObserveOptions otlpEndpoint(String endpoint) {
        ExchangeTracer.tracesUrl(endpoint); // validates
        otlpEndpoint = endpoint;
        return this;
    }

    /** Exports spans to {@code exporter} (tests), instead of OTLP. */
    public ObserveOptions spanExporter(SpanExporter exporter) {
        spanExporter = requireNonNull(exporter, "exporter");
        return this;
    }

    /** Sets the share of traces starting at the gateway that are exported (0..1, default 1). */
    public ObserveOptions traceSampleRatio(double ratio) {
        traceSampleRatio = ExchangeTracer.checkRatio(ratio);
        return this;
    }

    /** Sends access log lines to {@code sink} instead of the {@value AccessLog#LOGGER} logger (tests). */
    public ObserveOptions accessLogSink(Consumer<String> sink) {
        accessLogSink = requireNonNull(sink, "sink");
        return this;
    }

    /** Sets the random source of access log sampling (tests replay it with a seed). */
    public ObserveOptions random(RandomGenerator random) {
        this.random = requireNonNull(random, "random");
        return this;
    }

    /** Sets how many access log lines may wait for the writer before new ones are dropped. */
    public ObserveOptions accessLogCapacity(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("accessLogCapacity: " + capacity + " (expected: > 0)");
        }
        accessLogCapacity = capacity;
        return this;
    }

    MetricNaming naming() {
        return naming;
    }

    @Nullable LoggingPolicy accessLogDefault() {
        return accessLogDefault;
    }

    @Nullable SpanExporter exporter() {
        if (spanExporter != null) {
            return spanExporter;
        }
        return otlpEndpoint != null ? ExchangeTracer.otlpExporter(otlpEndpoint) : null;
    }

    double traceSampleRatio() {
        return traceSampleRatio;
    }

    Consumer<String> accessLogSink() {
        return accessLogSink != null ? accessLogSink : AccessLog.loggerSink();
    }

    RandomGenerator random() {
        return random;
    }

    int accessLogCapacity() {
        return accessLogCapacity;
    }
}

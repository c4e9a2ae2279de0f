package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.server.HttpService;

import dev.sluice.extension.ExtensionEvent;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.proxy.ExchangeListener;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.GatewaySnapshot;

import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * A gateway's metrics, access log and tracing, fed by one {@link ExchangeListener}.
 *
 * <p>Each finished exchange is recorded in {@link GatewayMetrics}, offered to the {@link AccessLog} and, when
 * tracing is configured, turned into spans by {@link ExchangeTracer}. {@link #metricsService()} serves
 * {@code /metrics} on the admin listener.
 */
public final class Observability implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(Observability.class);

    private final Supplier<GatewaySnapshot> snapshot;
    private final GatewayMetrics metrics;
    private final AccessLog accessLog;
    private final @Nullable ExchangeTracer tracer;

    /**
     * Creates the observability of a gateway.
     *
     * @param snapshot the current configuration
     * @param endpoints the scraped model-server metrics
     */
    public Observability(ObserveOptions options, Supplier<GatewaySnapshot> snapshot,
                         EndpointMetricsStore endpoints) {
        requireNonNull(options, "options");
        this.snapshot = requireNonNull(snapshot, "snapshot");
        metrics = new GatewayMetrics(options.naming(), snapshot, endpoints);
        options.collectors().forEach(metrics.registry()::register);
        accessLog = new AccessLog(new AccessLogSampler(options.accessLogDefault(), options.random()),
                                  options.accessLogSink(), metrics::onAccessLogDropped,
                                  options.accessLogCapacity());
        final SpanExporter exporter = options.exporter();
        tracer = exporter != null ? new ExchangeTracer(exporter, options.traceSampleRatio()) : null;
    }

    /** Returns the metrics. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Returns the access log. */
    public AccessLog accessLog() {
        return accessLog;
    }

    /** Returns the tracer, or {@code null} when tracing is off. */
    public @Nullable ExchangeTracer tracer() {
        return tracer;
    }

    /** Returns the {@code /metrics} service. */
    public HttpService metricsService() {
        return new MetricsService(metrics.registry());
    }

    /** Counts a configuration reload. */
    public void onReload(boolean success) {
        metrics.onReload(success);
    }

    /** Returns a listener that observes exchanges and then passes every event on to {@code next}. */
    public ExchangeListener listener(ExchangeListener next) {
        requireNonNull(next, "next");
        return new ExchangeListener() {
            @Override
            public void onRequest(String model) {
                metrics.onRequest(model);
                next.onRequest(model);
            }

            @Override
            public void onRetry(String pool, String endpoint, String reason) {
                metrics.onRetry(pool, reason);
                next.onRetry(pool, endpoint, reason);
            }

            @Override
            public void onExtensionCall(String extension, ExtensionEvent event, String outcome, long nanos) {
                next.onExtensionCall(extension, event, outcome, nanos);
            }

            @Override
            public void onShed(String pool, int priority) {
                metrics.onShed(pool);
                next.onShed(pool, priority);
            }

            @Override
            public void onQueued(String pool) {
                metrics.onQueued(pool);
                next.onQueued(pool);
            }

            @Override
            public void onComplete(ExchangeRecord record) {
                try {
                    observe(record);
                } finally {
                    next.onComplete(record);
                }
            }
        };
    }

    /** Records, logs and traces one finished exchange. */
    public void observe(ExchangeRecord record) {
        try {
            metrics.record(record);
            accessLog.offer(record, snapshot.get());
            if (tracer != null) {
                tracer.export(record);
            }
        } catch (RuntimeException e) {
            // Observability must never break the data plane.
            logger.warn("[{}] cannot observe the exchange", record.requestId(), e);
        }
    }

    /** Writes the queued access log lines and spans, then stops. */
    @Override
    public void close() {
        accessLog.close();
        if (tracer != null) {
            tracer.close();
        }
    }
}

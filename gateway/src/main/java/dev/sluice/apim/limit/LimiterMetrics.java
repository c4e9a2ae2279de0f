package dev.sluice.apim.limit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The shared limiters' Prometheus metrics, as one collector to register with the gateway's registry. Labels are
 * bounded: {@code backend} is the store kind ({@code redis}), {@code outcome} and {@code kind} come from fixed sets.
 *
 * <ul>
 *   <li>{@code sluice_apim_limiter_decisions_total{backend,outcome}}: {@code allowed}, {@code refused},
 *       {@code failed_open} (the store failed and the request went on uncounted) and {@code failed_closed} (the
 *       store failed and the request was refused with a 503 fault);</li>
 *   <li>{@code sluice_apim_limiter_store_errors_total{backend,kind}}: {@code timeout}, {@code unavailable} (not
 *       connected), {@code script} (the script failed) and {@code other};</li>
 *   <li>{@code sluice_apim_limiter_backend_up{backend}}: 1 while connected, 0 otherwise;</li>
 *   <li>{@code sluice_apim_limiter_decision_duration_seconds{backend}}: one decision's round trip.</li>
 * </ul>
 */
public final class LimiterMetrics implements MultiCollector {

    /** Why a store call failed. */
    public enum ErrorKind {
        TIMEOUT, UNAVAILABLE, SCRIPT, OTHER;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Counter decisions = Counter.builder().name("sluice_apim_limiter_decisions_total")
                                             .help("Rate limit decisions of shared limiters by outcome")
                                             .labelNames("backend", "outcome").withoutExemplars().build();
    private final Counter errors = Counter.builder().name("sluice_apim_limiter_store_errors_total")
                                          .help("Failed calls from a shared limiter to its store")
                                          .labelNames("backend", "kind").withoutExemplars().build();
    private final Histogram duration = Histogram.builder().name("sluice_apim_limiter_decision_duration_seconds")
                                                .help("Round trip of one shared limiter decision")
                                                .labelNames("backend").classicOnly()
                                                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                                    0.01, 0.025, 0.05, 0.1, 0.25)
                                                .withoutExemplars().build();
    private final Map<String, BooleanSupplier> up = new ConcurrentHashMap<>();
    private final GaugeWithCallback upGauge = GaugeWithCallback.builder().name("sluice_apim_limiter_backend_up")
            .help("Whether a shared limiter is connected to its store (1) or not (0)").labelNames("backend")
            .callback(cb -> up.forEach((backend, s) -> cb.call(s.getAsBoolean() ? 1 : 0, backend))).build();

    /** Counts one decision with {@code outcome}: allowed, refused, failed_open or failed_closed. */
    public void decision(String backend, String outcome) {
        decisions.labelValues(backend, outcome).inc();
    }

    /** Counts one failed store call. */
    public void error(String backend, ErrorKind kind) {
        errors.labelValues(backend, kind.label()).inc();
    }

    /** Records one decision's round trip. */
    public void duration(String backend, long nanos) {
        duration.labelValues(backend).observe(nanos / 1e9);
    }

    /** Reports {@code backend} as up while {@code connected} says so. */
    public void backend(String backend, BooleanSupplier connected) {
        up.put(backend, connected);
    }

    /** Returns the count of decisions with {@code outcome}, for tests and diagnostics. */
    public long decisions(String backend, String outcome) {
        return (long) decisions.labelValues(backend, outcome).get();
    }

    /** Returns the count of store errors of {@code kind}. */
    public long errors(String backend, ErrorKind kind) {
        return (long) errors.labelValues(backend, kind.label()).get();
    }

    @Override
    public MetricSnapshots collect() {
        return new MetricSnapshots(decisions.collect(), errors.collect(), duration.collect(), upGauge.collect());
    }
}

package dev.sluice.apim.analytics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * Prometheus counters of API management, per product and model:
 * <ul>
 *   <li>{@code sluice_apim_requests_total{product, model, outcome}}: every request the extension saw, by outcome
 *       ({@code ok}, {@code refused} for key and product faults, {@code rate_limited} for quota and spike arrest
 *       faults, {@code error} for other error statuses, including the 503 of a rate limiter whose store is
 *       unavailable);</li>
 *   <li>{@code sluice_apim_tokens_total{product, model, direction}}: tokens charged, {@code direction} being
 *       {@code input}, {@code output} or {@code cached};</li>
 *   <li>{@code sluice_apim_analytics_dropped_total}: analytics records dropped (see {@link AnalyticsWriter}).</li>
 * </ul>
 *
 * <p>Cardinality is bounded: the first {@value #MAX_VALUES} distinct products and the first {@value #MAX_VALUES}
 * distinct models get their own label value, later ones are folded into {@value #OTHER}; a request without a product
 * or model is labelled {@value #NOT_SET} (Apigee's word for it). Once admitted a value stays, so series never switch
 * labels.
 */
public final class AnalyticsMetrics implements MultiCollector {

    /** Distinct values per label before folding into {@value #OTHER}. */
    public static final int MAX_VALUES = 100;
    /** The label of values beyond the cap. */
    public static final String OTHER = "other";
    /** The label of a missing product or model. */
    public static final String NOT_SET = "(not set)";

    private final Counter requests;
    private final Counter tokens;
    private final BoundedLabel products = new BoundedLabel(MAX_VALUES);
    private final BoundedLabel models = new BoundedLabel(MAX_VALUES);
    private final Set<LongSupplier> droppedSources = ConcurrentHashMap.newKeySet();
    private final CounterWithCallback dropped;

    /** Creates the counters, not registered anywhere yet. */
    public AnalyticsMetrics() {
        requests = Counter.builder().name("sluice_apim_requests_total")
                          .help("Requests seen by API management, by API product, model and outcome (ok, refused, " +
                                "rate_limited, error).")
                          .labelNames("product", "model", "outcome").withoutExemplars().build();
        tokens = Counter.builder().name("sluice_apim_tokens_total")
                        .help("Tokens charged by API management, by API product, model and direction (input, " +
                              "output, cached).")
                        .labelNames("product", "model", "direction").withoutExemplars().build();
        dropped = CounterWithCallback.builder().name("sluice_apim_analytics_dropped_total")
                                     .help("Analytics records dropped because the queue stayed full or the store " +
                                           "rejected them.")
                                     .callback(cb -> cb.call(droppedSources.stream()
                                                                           .mapToLong(LongSupplier::getAsLong).sum()))
                                     .build();
    }

    @Override
    public MetricSnapshots collect() {
        return MetricSnapshots.of(requests.collect(), tokens.collect(), dropped.collect());
    }

    /** Adds a source of dropped-record counts (one per analytics writer). */
    public void addDroppedSource(LongSupplier source) {
        droppedSources.add(source);
    }

    /** Counts one request from its analytics record. */
    public void record(AnalyticsRecord r) {
        final String product = products.label(r.product());
        final String model = models.label(r.model());
        requests.labelValues(product, model, outcome(r)).inc();
        if (r.inputTokens() > 0) {
            tokens.labelValues(product, model, "input").inc(r.inputTokens());
        }
        if (r.outputTokens() > 0) {
            tokens.labelValues(product, model, "output").inc(r.outputTokens());
        }
        if (r.cachedTokens() > 0) {
            tokens.labelValues(product, model, "cached").inc(r.cachedTokens());
        }
    }

    static String outcome(AnalyticsRecord r) {
        final String code = r.errorCode();
        if (!r.isError()) {
            return "ok";
        }
        // Quota, token quota and spike arrest violations are 429s; the limiter's QuotaStoreUnavailable (503) is not.
        if (code != null && code.startsWith("policies.") && r.status() == 429) {
            return "rate_limited";
        }
        if (code != null && (code.startsWith("oauth.") || code.startsWith("keymanagement.") ||
                             code.startsWith("steps."))) {
            return "refused";
        }
        return "error";
    }

    /** Label values admitted first come, first served, up to a cap. */
    static final class BoundedLabel {
        private final int max;
        private final Set<String> admitted = ConcurrentHashMap.newKeySet();
        private final AtomicInteger count = new AtomicInteger();

        BoundedLabel(int max) {
            this.max = max;
        }

        String label(@Nullable String value) {
            if (value == null || value.isEmpty()) {
                return NOT_SET;
            }
            if (admitted.contains(value)) {
                return value;
            }
            if (value.length() > 256) {
                return OTHER;
            }
            while (true) {
                final int n = count.get();
                if (n >= max) {
                    return OTHER;
                }
                if (count.compareAndSet(n, n + 1)) {
                    if (!admitted.add(value)) {
                        count.decrementAndGet(); // another thread admitted it meanwhile
                    }
                    return value;
                }
            }
        }
    }
}

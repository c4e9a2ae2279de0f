package dev.sluice.apim.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/** Per-product and per-model counters keep a bounded number of series, folding the rest into {@code other}. */
class AnalyticsMetricsTest {

    static AnalyticsRecord rec(String product, String model, int status, String errorCode) {
        return new AnalyticsRecord("id", Instant.EPOCH, "r", null, null, null, product, model, null, null, status,
                                   1, 1, 3, 4, 1, 1, 1, errorCode);
    }

    static CounterSnapshot counter(PrometheusRegistry registry, String name) {
        for (MetricSnapshot s : registry.scrape()) {
            if (s.getMetadata().getPrometheusName().equals(name)) {
                return (CounterSnapshot) s;
            }
        }
        throw new AssertionError("no " + name);
    }

    @Test
    void labelValuesAreCapped() {
        final AnalyticsMetrics m = new AnalyticsMetrics();
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(m);
        for (int i = 0; i < AnalyticsMetrics.MAX_VALUES + 50; i++) {
            m.record(rec("product-" + i, "model-" + i, 200, null));
        }
        final CounterSnapshot requests = counter(registry, "sluice_apim_requests");
        // 100 distinct (product, model) pairs, then everything else in one (other, other) series.
        assertThat(requests.getDataPoints()).hasSize(AnalyticsMetrics.MAX_VALUES + 1);
        assertThat(requests.getDataPoints()).anySatisfy(d -> {
            assertThat(d.getLabels().get("product")).isEqualTo("other");
            assertThat(d.getLabels().get("model")).isEqualTo("other");
            assertThat(d.getValue()).isEqualTo(50.0);
        });
        // An admitted value keeps its series.
        m.record(rec("product-7", "model-7", 200, null));
        assertThat(requests.getDataPoints()).isNotEmpty();
        assertThat(counter(registry, "sluice_apim_requests").getDataPoints()).anySatisfy(d -> {
            assertThat(d.getLabels().get("product")).isEqualTo("product-7");
            assertThat(d.getValue()).isEqualTo(2.0);
        });
    }

    @Test
    void outcomesAndTokens() {
        final AnalyticsMetrics m = new AnalyticsMetrics();
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(m);
        m.record(rec("p", "m", 200, null));
        m.record(rec(null, null, 401, "oauth.v2.InvalidApiKey"));
        m.record(rec("p", "m", 429, "policies.ratelimit.SpikeArrestViolation"));
        m.record(rec("p", "m", 503, "destination_unavailable"));
        assertThat(AnalyticsMetrics.outcome(rec("p", "m", 401, "steps.raisefault.RaiseFault")))
                .isEqualTo("refused");
        // The shared limiter's store was down: a failure, not a rate limit the client hit.
        assertThat(AnalyticsMetrics.outcome(rec("p", "m", 503, "policies.ratelimit.QuotaStoreUnavailable")))
                .isEqualTo("error");
        assertThat(AnalyticsMetrics.outcome(rec("p", "m", 429, "policies.llmtokenquota.LLMTokenQuotaViolation")))
                .isEqualTo("rate_limited");
        final CounterSnapshot requests = counter(registry, "sluice_apim_requests");
        assertThat(requests.getDataPoints()).extracting(d -> d.getLabels().get("product") + "/" +
                                                             d.getLabels().get("outcome"))
                                            .containsExactlyInAnyOrder("p/ok", "(not set)/refused",
                                                                       "p/rate_limited", "p/error");
        final CounterSnapshot tokens = counter(registry, "sluice_apim_tokens");
        assertThat(tokens.getDataPoints()).anySatisfy(d -> {
            assertThat(d.getLabels().get("product")).isEqualTo("p");
            assertThat(d.getLabels().get("direction")).isEqualTo("output");
            assertThat(d.getValue()).isEqualTo(12.0);
        });
    }
}

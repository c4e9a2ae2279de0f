package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * Describes what is known from scraping one endpoint, evaluated at the moment it was read.
 *
 * @param authority the endpoint's {@code host:port}
 * @param engine the engine mapping's name ({@code ""} before the first scrape starts)
 * @param state whether {@link #metrics()} can be trusted now
 * @param metrics the last successfully scraped metrics, whatever their age ({@link ModelServerMetrics#UNKNOWN}
 *                before the first success)
 * @param ageNanos the time since the last successful scrape started, or {@code -1} if none succeeded
 * @param consecutiveFailures the attempts that failed since the last success
 * @param lastError why the latest failed attempt failed, or null if none failed since the last success
 */
public record EndpointMetricsSnapshot(String authority, String engine, MetricsState state,
                                      ModelServerMetrics metrics, long ageNanos, int consecutiveFailures,
                                      @Nullable String lastError) {

    public EndpointMetricsSnapshot {
        requireNonNull(authority, "authority");
        requireNonNull(engine, "engine");
        requireNonNull(state, "state");
        requireNonNull(metrics, "metrics");
    }

    /** Returns whether the metrics are fresh, the only state in which they describe the server. */
    public boolean isFresh() {
        return state == MetricsState.FRESH;
    }
}

package dev.sluice.picker.scheduler;

import dev.sluice.picker.metrics.EndpointLoad;

/** The load numbers scorers and filters share, with one policy for stale and unreported metrics. */
final class Loads {

    private Loads() {}

    /**
     * Returns the candidate's queue length: the estimated pending requests ({@link EndpointLoad#estimatedPending()})
     * or, when not {@code estimated}, the last scraped waiting requests, when its metrics are fresh; {@code +Infinity} when they are not but another candidate's are, so it
     * cannot win on old numbers; and this gateway's in-flight requests when no candidate is fresh, or when the
     * engine does not report its queue.
     */
    static double queue(SchedulingContext context, Candidate c, boolean estimated) {
        final EndpointLoad load = c.load();
        if (!context.anyFresh()) {
            return load.inFlightRequests();
        }
        if (!load.isFresh()) {
            return Double.POSITIVE_INFINITY;
        }
        final double q = estimated ? load.estimatedPending() : load.metrics().metrics().waitingRequests();
        return Double.isNaN(q) ? load.inFlightRequests() : q;
    }

    /**
     * Returns the candidate's KV-cache usage from 0 to 1 when its metrics are fresh (estimated or last scraped),
     * {@code 1} when they are not, NaN when the engine does not report it. Callers handle "no candidate fresh".
     */
    static double kvUsage(Candidate c, boolean estimated) {
        final EndpointLoad load = c.load();
        if (!load.isFresh()) {
            return 1;
        }
        return estimated ? load.estimatedKvCacheUsage() : load.metrics().metrics().kvCacheUsage();
    }

    /**
     * Writes min-max normalised scores where lower values are better: {@code (max - v) / (max - min)} over the
     * finite values, {@code 1} for all when they are equal, {@code 0} for infinite values.
     */
    static void minMaxLowerIsBetter(double[] values, int n, double[] scores) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            final double v = values[i];
            if (Double.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        final double range = max - min;
        for (int i = 0; i < n; i++) {
            final double v = values[i];
            if (!Double.isFinite(v)) {
                scores[i] = 0;
            } else if (!(range > 0)) {
                scores[i] = 1;
            } else {
                scores[i] = (max - v) / range;
            }
        }
    }
}

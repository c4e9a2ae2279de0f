package dev.sluice.picker.scheduler;

import java.util.List;

/**
 * Scores emptier KV caches higher: GIE's {@code kv-cache-utilization-scorer}, {@code 1 - usage}, with the usage
 * estimated now (the last scrape plus this gateway's tokens since) or, for GIE's exact behaviour, as last scraped.
 *
 * <p>Stale endpoints read as full (0); engines that do not report usage score 0.5. With no candidate fresh, the
 * score is min-max normalised over this gateway's in-flight tokens instead.
 */
public final class KvCacheScorer implements Scorer {

    private final boolean estimated;

    /** Creates a scorer of estimated usage ({@code estimated}) or of the last scraped one, as GIE does. */
    public KvCacheScorer(boolean estimated) {
        this.estimated = estimated;
    }

    @Override
    public String name() {
        return "kv-cache-utilization-scorer";
    }

    @Override
    public void score(SchedulingContext context, List<Candidate> candidates, double[] scores) {
        final int n = candidates.size();
        if (!context.anyFresh()) {
            final double[] tokens = new double[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = candidates.get(i).load().inFlightTokens();
            }
            Loads.minMaxLowerIsBetter(tokens, n, scores);
            return;
        }
        for (int i = 0; i < n; i++) {
            final double u = Loads.kvUsage(candidates.get(i), estimated);
            scores[i] = Double.isNaN(u) ? 0.5 : 1 - u;
        }
    }

    @Override
    public String toString() {
        return name() + (estimated ? "" : "(scraped)");
    }
}

package dev.sluice.picker.scheduler;

import java.util.List;

/**
 * Scores shorter waiting queues higher, min-max normalised over the candidates: GIE's {@code queue-scorer},
 * {@code (maxQ - q) / (maxQ - minQ)}, and 1 for all when the queues are equal.
 *
 * <p>{@code q} is the estimated queue now (the last scrape plus this gateway's requests since) or, for GIE's exact
 * behaviour, the last scraped value. Stale endpoints score 0 while any candidate is fresh; with none fresh, {@code q}
 * is this gateway's in-flight requests.
 */
public final class QueueScorer implements Scorer {

    private final boolean estimated;

    /** Creates a scorer of estimated queues ({@code estimated}) or of the last scraped ones, as GIE does. */
    public QueueScorer(boolean estimated) {
        this.estimated = estimated;
    }

    @Override
    public String name() {
        return "queue-scorer";
    }

    @Override
    public void score(SchedulingContext context, List<Candidate> candidates, double[] scores) {
        final int n = candidates.size();
        final double[] q = new double[n];
        for (int i = 0; i < n; i++) {
            q[i] = Loads.queue(context, candidates.get(i), estimated);
        }
        Loads.minMaxLowerIsBetter(q, n, scores);
    }

    @Override
    public String toString() {
        return name() + (estimated ? "" : "(scraped)");
    }
}

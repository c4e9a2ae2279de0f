package dev.sluice.picker.scheduler;

import java.util.List;

/**
 * Scores prefix affinity discounted by queue length, "sticky until saturated": {@code matched / total} times
 * {@code max(0, 1 - q / queueThreshold)}, where {@code q} is the estimated waiting queue (see {@link QueueScorer}).
 *
 * <p>Pure prefix affinity sends every request of a popular prefix to the one endpoint that cached it, which then
 * queues while others idle: the hot-spotting that llm-d measured as 55% success and TTFT over 140 s for prefix-only
 * routing against near zero for prefix plus load ("Intelligent Inference Scheduling with llm-d", 2025). Here the
 * pull of a cached prefix fades as the endpoint's queue grows and is gone at {@code queueThreshold}, so a hot prefix
 * spills over to a second endpoint, which then caches it too. A stale endpoint's affinity counts for nothing while
 * another is fresh.
 */
public final class LoadAwarePrefixScorer implements Scorer {

    private final double queueThreshold;

    /** Creates a scorer whose affinity is gone at {@code queueThreshold} waiting requests. */
    public LoadAwarePrefixScorer(double queueThreshold) {
        if (!(queueThreshold > 0) || Double.isInfinite(queueThreshold)) {
            throw new IllegalArgumentException("queueThreshold: " + queueThreshold + " (expected: finite and > 0)");
        }
        this.queueThreshold = queueThreshold;
    }

    @Override
    public String name() {
        return "load-aware-prefix-scorer";
    }

    @Override
    public void score(SchedulingContext context, List<Candidate> candidates, double[] scores) {
        final int total = context.blocks().count();
        for (int i = 0; i < candidates.size(); i++) {
            final Candidate c = candidates.get(i);
            if (total == 0 || c.matchedBlocks() == 0) {
                scores[i] = 0;
                continue;
            }
            final double q = Loads.queue(context, c, true);
            final double headroom = Double.isFinite(q) ? Math.max(0, 1 - q / queueThreshold) : 0;
            scores[i] = (double) c.matchedBlocks() / total * headroom;
        }
    }

    @Override
    public boolean usesPrefix() {
        return true;
    }

    @Override
    public String toString() {
        return name() + "(queueThreshold=" + queueThreshold + ')';
    }
}

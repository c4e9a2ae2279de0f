package dev.sluice.picker.scheduler;

import java.util.List;

/**
 * Scores the fraction of the prompt's blocks an endpoint is predicted to hold, {@code matched / total}: GIE's
 * {@code prefix-cache-scorer}. Prompts shorter than one block score 0 everywhere.
 */
public final class PrefixCacheScorer implements Scorer {

    /** Creates the scorer. */
    public PrefixCacheScorer() {}

    @Override
    public String name() {
        return "prefix-cache-scorer";
    }

    @Override
    public void score(SchedulingContext context, List<Candidate> candidates, double[] scores) {
        final int total = context.blocks().count();
        for (int i = 0; i < candidates.size(); i++) {
            scores[i] = total == 0 ? 0 : (double) candidates.get(i).matchedBlocks() / total;
        }
    }

    @Override
    public boolean usesPrefix() {
        return true;
    }

    @Override
    public String toString() {
        return name();
    }
}

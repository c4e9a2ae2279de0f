package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

/**
 * A scorer with its weight in a profile; weights are absolute, not normalised, as in GIE.
 *
 * @param scorer the scorer
 * @param weight its weight, finite and non-negative
 */
public record WeightedScorer(Scorer scorer, double weight) {

    public WeightedScorer {
        requireNonNull(scorer, "scorer");
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: finite and >= 0)");
        }
    }
}

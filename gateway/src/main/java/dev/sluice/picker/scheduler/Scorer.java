package dev.sluice.picker.scheduler;

import java.util.List;

/**
 * Scores every candidate of one decision; the scheduler clamps each score to [0, 1] (NaN counts as 0) and adds it,
 * times the scorer's weight, to the candidate's total.
 */
public interface Scorer {

    /** Returns the scorer's type name, as in configuration and metrics. */
    String name();

    /** Writes the score of {@code candidates.get(i)} into {@code scores[i]}. */
    void score(SchedulingContext context, List<Candidate> candidates, double[] scores);

    /** Returns whether the scorer reads prefix matches, so the scheduler must hash the prompt. */
    default boolean usesPrefix() {
        return false;
    }
}

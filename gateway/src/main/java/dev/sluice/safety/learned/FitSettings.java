package dev.sluice.safety.learned;

/**
 * How one head is fitted: chosen per head by {@code TrainSafetyHeads --tune} on the calibration split.
 *
 * @param l2 the L2 penalty on every weight but the bias
 * @param positiveWeight the factor on the positives' share of the class-balanced loss (1 = balanced)
 */
record FitSettings(double l2, double positiveWeight) {

    /** The settings every head used before the grid search. */
    static final FitSettings DEFAULT = new FitSettings(1e-4, 1.0);

    FitSettings {
        if (!(l2 >= 0) || !(positiveWeight > 0)) {
            throw new IllegalArgumentException("fit settings need l2 >= 0 and positiveWeight > 0, got l2 " + l2
                    + ", positiveWeight " + positiveWeight);
        }
    }
}

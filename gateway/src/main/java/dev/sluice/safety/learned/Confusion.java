package dev.sluice.safety.learned;

import java.util.Locale;

/**
 * The confusion counts of a binary screen over some rows, and the figures the safety reports print from them. A
 * screen that flags nothing has precision 1 (it made no wrong flag) and, with no positives, recall 0.
 */
public final class Confusion {

    private int tp;
    private int fp;
    private int fn;
    private int tn;

    /** Counts one row: whether it should be flagged and whether it was. */
    public void add(boolean positive, boolean flagged) {
        if (positive) {
            if (flagged) {
                tp++;
            } else {
                fn++;
            }
        } else if (flagged) {
            fp++;
        } else {
            tn++;
        }
    }

    /** True positives. */
    public int tp() {
        return tp;
    }

    /** Flagged rows over flagged rows that should be (1 when nothing was flagged). */
    public double precision() {
        return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
    }

    /** Flagged positives over positives (0 without positives). */
    public double recall() {
        return tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
    }

    /** The harmonic mean of precision and recall. */
    public double f1() {
        double p = precision();
        double r = recall();
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Flagged negatives over negatives (0 without negatives). */
    public double falsePositiveRate() {
        return fp + tn == 0 ? 0 : (double) fp / (fp + tn);
    }

    /** {@code P 0.919  R 0.952  F1 0.935  FPR 0.0073  (tp 238 fp 21 fn 12 tn 2860)}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "P %.3f  R %.3f  F1 %.3f  FPR %.4f  (tp %d fp %d fn %d tn %d)",
                precision(), recall(), f1(), falsePositiveRate(), tp, fp, fn, tn);
    }
}

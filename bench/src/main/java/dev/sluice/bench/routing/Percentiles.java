package dev.sluice.bench.routing;

import java.util.Arrays;

/** Percentiles and means of samples. */
final class Percentiles {

    private Percentiles() {}

    /**
     * Returns the {@code p}-th percentile (0..100) of {@code values} by linear interpolation between the closest
     * ranks (numpy's default); NaN when there are none. Sorts a copy.
     */
    static double of(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted(sorted, p);
    }

    /** As {@link #of} on values already sorted ascending. */
    static double sorted(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        final double rank = p / 100 * (sorted.length - 1);
        final int lo = (int) Math.floor(rank);
        final int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    /** Returns the mean, NaN when there are no values. */
    static double mean(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}

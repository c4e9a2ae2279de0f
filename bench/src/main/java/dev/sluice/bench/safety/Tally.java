package dev.sluice.bench.safety;

import java.util.Arrays;

/**
 * Counts of one group of rows (a file, a category within a file, or everything) and their screening latencies.
 * Precision, recall, F1 and the false-positive rate follow the usual definitions; a value with a zero denominator is
 * {@code NaN} and printed as {@code -}.
 */
final class Tally {

    long truePositives;
    long falseNegatives;
    long falsePositives;
    long trueNegatives;
    private long[] nanos = new long[64];
    private int latencies;

    void add(boolean unsafe, boolean flagged, long scanNanos) {
        if (unsafe) {
            if (flagged) {
                truePositives++;
            } else {
                falseNegatives++;
            }
        } else if (flagged) {
            falsePositives++;
        } else {
            trueNegatives++;
        }
        if (latencies == nanos.length) {
            nanos = Arrays.copyOf(nanos, nanos.length * 2);
        }
        nanos[latencies++] = scanNanos;
    }

    /** Counts the negatives of another group as this group's (per-category rows borrow their file's safe rows). */
    void negativesFrom(Tally other) {
        falsePositives = other.falsePositives;
        trueNegatives = other.trueNegatives;
    }

    long rows() {
        return truePositives + falseNegatives + falsePositives + trueNegatives;
    }

    double precision() {
        return ratio(truePositives, truePositives + falsePositives);
    }

    double recall() {
        return ratio(truePositives, truePositives + falseNegatives);
    }

    double f1() {
        final double p = precision();
        final double r = recall();
        return Double.isNaN(p) || Double.isNaN(r) ? Double.NaN : p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    double falsePositiveRate() {
        return ratio(falsePositives, falsePositives + trueNegatives);
    }

    /** Returns the latency percentile in milliseconds (nearest rank over this group's own rows), or NaN. */
    double latencyMillis(double percentile) {
        if (latencies == 0) {
            return Double.NaN;
        }
        final long[] sorted = Arrays.copyOf(nanos, latencies);
        Arrays.sort(sorted);
        final int rank = (int) Math.ceil(percentile / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e6;
    }

    private static double ratio(long num, long den) {
        return den == 0 ? Double.NaN : (double) num / den;
    }
}

package dev.sluice.bench.proxy;

import java.util.List;

/** Median, minimum and maximum of a handful of per-round measurements. */
public record Stats(double median, double min, double max, int count) {

    public static final Stats EMPTY = new Stats(Double.NaN, Double.NaN, Double.NaN, 0);

    /** Summarises the values, ignoring {@code NaN}s; {@link #EMPTY} when none are left. */
    public static Stats of(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted()
                .toArray();
        if (sorted.length == 0) {
            return EMPTY;
        }
        return new Stats(median(sorted), sorted[0], sorted[sorted.length - 1], sorted.length);
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** The median of already sorted values: the middle one, or the mean of the two middle ones. */
    static double median(double[] sorted) {
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** {@code numerator / denominator}, or {@code NaN} when either is missing or the denominator is not positive. */
    public static double ratio(double numerator, double denominator) {
        if (Double.isNaN(numerator) || Double.isNaN(denominator) || denominator <= 0) {
            return Double.NaN;
        }
        return numerator / denominator;
    }

    /** CPU microseconds per request from a tick delta; {@code NaN} when there were no requests. */
    public static double cpuMicrosPerRequest(long cpuTicks, long clockTicksPerSecond, long requests) {
        if (requests <= 0 || clockTicksPerSecond <= 0 || cpuTicks < 0) {
            return Double.NaN;
        }
        return (double) cpuTicks / clockTicksPerSecond * 1e6 / requests;
    }
}

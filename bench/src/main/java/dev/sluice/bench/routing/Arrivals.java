package dev.sluice.bench.routing;

import java.util.SplittableRandom;

/** Seeded Poisson arrival times and the seed mixing the workloads share. */
final class Arrivals {

    private Arrivals() {}

    /**
     * Returns {@code n} arrival times in nanoseconds of a Poisson process at {@code qps}: exponential gaps of mean
     * {@code 1/qps}, the first one after time zero.
     */
    static long[] poisson(int n, double qps, SplittableRandom random) {
        if (!(qps > 0) || Double.isInfinite(qps)) {
            throw new IllegalArgumentException("qps: " + qps + " (expected: finite and > 0)");
        }
        final long[] out = new long[n];
        double t = 0;
        for (int i = 0; i < n; i++) {
            t += -Math.log(1 - random.nextDouble()) / qps;
            out[i] = Math.round(t * 1e9);
        }
        return out;
    }

    /** Returns a generator of the arrival times of {@code workload} at {@code qps}, for {@code seed}. */
    static SplittableRandom arrivalRandom(long seed, String workload, double qps) {
        return new SplittableRandom(mix(mix(seed ^ 0x5DEECE66DL) + workload.hashCode()) +
                                    Double.doubleToLongBits(qps));
    }

    /** Returns a generator of the prompt contents of {@code workload}, for {@code seed}. */
    static SplittableRandom contentRandom(long seed, String workload) {
        return new SplittableRandom(mix(seed + 0x9E3779B97F4A7C15L * workload.hashCode()));
    }

    // SplitMix64's finalizer.
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

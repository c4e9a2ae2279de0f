package dev.sluice.picker.scheduler;

import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * Orders candidates in turn, ignoring scores: each decision starts one place further along the candidate list and
 * wraps around. A baseline for routing benchmarks; the turn is per picker instance, so per scheduler.
 */
public final class RoundRobinPicker implements Picker {

    private final AtomicLong next = new AtomicLong();

    /** Creates the picker. */
    public RoundRobinPicker() {}

    @Override
    public String name() {
        return "round-robin-picker";
    }

    @Override
    public int[] order(double[] scores, RandomGenerator random) {
        final int n = scores.length;
        final int[] order = new int[n];
        if (n == 0) {
            return order;
        }
        final int start = (int) Math.floorMod(next.getAndIncrement(), (long) n);
        for (int i = 0; i < n; i++) {
            order[i] = (start + i) % n;
        }
        return order;
    }

    @Override
    public String toString() {
        return name();
    }
}

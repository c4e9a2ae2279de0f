package dev.sluice.picker.scheduler;

import java.util.random.RandomGenerator;

/**
 * Orders candidates by a random draw weighted by their scores: GIE's {@code weighted-random-picker}, which uses
 * Efraimidis and Spirakis' A-Res ("Weighted random sampling with a reservoir", Information Processing Letters 97(5),
 * 2006). Each candidate draws the key {@code U^(1/score)} with {@code U} uniform in (0, 1); sorting by key, highest
 * first, gives a weighted sample without replacement, so the first is chosen with probability proportional to its
 * score, and the rest form the fallback order. Candidates scoring zero (or less) come last in random order; when all
 * score zero the order is uniform, as GIE falls back to its random picker.
 */
public final class WeightedRandomPicker implements Picker {

    /** Creates the picker. */
    public WeightedRandomPicker() {}

    @Override
    public String name() {
        return "weighted-random-picker";
    }

    @Override
    public int[] order(double[] scores, RandomGenerator random) {
        final int n = scores.length;
        final double[] keys = new double[n];
        for (int i = 0; i < n; i++) {
            final double s = scores[i];
            // log(U)/s orders as U^(1/s) does and keeps precision for small scores; zero scores sort last.
            keys[i] = s > 0 ? Math.log(1 - random.nextDouble()) / s : Double.NEGATIVE_INFINITY;
        }
        final int[] order = RandomPicker.shuffled(n, random);
        for (int i = 1; i < n; i++) {
            final int x = order[i];
            final double k = keys[x];
            int j = i - 1;
            while (j >= 0 && keys[order[j]] < k) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = x;
        }
        return order;
    }

    @Override
    public String toString() {
        return name();
    }
}

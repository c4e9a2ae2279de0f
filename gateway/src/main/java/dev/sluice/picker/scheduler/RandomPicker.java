package dev.sluice.picker.scheduler;

import java.util.random.RandomGenerator;

/** Orders candidates uniformly at random, ignoring scores: GIE's {@code random-picker}. */
public final class RandomPicker implements Picker {

    /** Creates the picker. */
    public RandomPicker() {}

    @Override
    public String name() {
        return "random-picker";
    }

    @Override
    public int[] order(double[] scores, RandomGenerator random) {
        return shuffled(scores.length, random);
    }

    static int[] shuffled(int n, RandomGenerator random) {
        final int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    @Override
    public String toString() {
        return name();
    }
}

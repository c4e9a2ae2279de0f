package dev.sluice.picker.scheduler;

import java.util.random.RandomGenerator;

/**
 * Orders candidates by total score, highest first, breaking ties at random: GIE's {@code max-score-picker}, which
 * shuffles and then sorts stably, extended to order every candidate rather than return the top one.
 */
public final class MaxScorePicker implements Picker {

    /** Creates the picker. */
    public MaxScorePicker() {}

    @Override
    public String name() {
        return "max-score-picker";
    }

    @Override
    public int[] order(double[] scores, RandomGenerator random) {
        final int[] order = RandomPicker.shuffled(scores.length, random);
        // Stable insertion sort, descending: a few dozen candidates at most, so it beats boxing for a Comparator.
        for (int i = 1; i < order.length; i++) {
            final int x = order[i];
            final double s = scores[x];
            int j = i - 1;
            while (j >= 0 && scores[order[j]] < s) {
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

package dev.sluice.picker.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class PickersTest {

    @Test
    void maxScoreOrdersEveryCandidateBestFirst() {
        final int[] order = new MaxScorePicker().order(new double[] { 0.2, 3, 1.5, 0 }, new SplittableRandom(1));
        assertThat(order).containsExactly(1, 2, 0, 3);
    }

    @Test
    void maxScoreBreaksTiesAtRandomButDeterministicallyForASeed() {
        final double[] scores = { 1, 2, 2, 2, 0 };
        final int[] counts = new int[5];
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 3000; i++) {
            final int[] order = new MaxScorePicker().order(scores, random);
            assertThat(order[3]).isZero();
            assertThat(order[4]).isEqualTo(4);
            counts[order[0]]++;
        }
        assertThat(counts[1]).isBetween(900, 1100);
        assertThat(counts[2]).isBetween(900, 1100);
        assertThat(counts[3]).isBetween(900, 1100);
        assertThat(new MaxScorePicker().order(scores, new SplittableRandom(9)))
                .containsExactly(new MaxScorePicker().order(scores, new SplittableRandom(9)));
    }

    @Test
    void weightedRandomChoosesInProportionToScores() {
        final double[] scores = { 1, 2, 0, 1 };
        final int[] first = new int[4];
        final SplittableRandom random = new SplittableRandom(5);
        final int n = 40_000;
        for (int i = 0; i < n; i++) {
            final int[] order = new WeightedRandomPicker().order(scores, random);
            assertThat(order).containsExactlyInAnyOrder(0, 1, 2, 3);
            assertThat(order[3]).isEqualTo(2); // zero scores come last
            first[order[0]]++;
        }
        assertThat(first[0] / (double) n).isBetween(0.23, 0.27);
        assertThat(first[1] / (double) n).isBetween(0.48, 0.52);
        assertThat(first[2]).isZero();
        assertThat(first[3] / (double) n).isBetween(0.23, 0.27);
    }

    @Test
    void weightedRandomIsUniformWhenAllScoresAreZero() {
        final int[] first = new int[3];
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 3000; i++) {
            first[new WeightedRandomPicker().order(new double[3], random)[0]]++;
        }
        for (int c : first) {
            assertThat(c).isBetween(900, 1100);
        }
    }

    @Test
    void roundRobinRotatesAndRandomShuffles() {
        final RoundRobinPicker rr = new RoundRobinPicker();
        final SplittableRandom random = new SplittableRandom(1);
        assertThat(rr.order(new double[3], random)).containsExactly(0, 1, 2);
        assertThat(rr.order(new double[3], random)).containsExactly(1, 2, 0);
        assertThat(rr.order(new double[3], random)).containsExactly(2, 0, 1);
        assertThat(rr.order(new double[0], random)).isEmpty();
        assertThat(new RandomPicker().order(new double[5], random)).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }
}

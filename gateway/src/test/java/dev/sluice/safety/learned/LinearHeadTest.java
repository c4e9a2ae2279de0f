package dev.sluice.safety.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.sluice.safety.Confidence;

class LinearHeadTest {

    private static LinearHead head(double low, double medium, double high) {
        float[] w = new float[MiniLmEmbedder.DIMENSIONS];
        w[0] = 4f;
        return new LinearHead("t", w, new float[HashedFeatures.BUCKETS], 0f, low, medium, high);
    }

    @Test
    void calibratedThresholdsMapProbabilitiesToLevels() {
        LinearHead h = head(0.3, 0.6, 0.9);
        assertThat(h.level(0.29)).isNull();
        assertThat(h.level(0.3)).isEqualTo(Confidence.LOW);
        assertThat(h.level(0.59)).isEqualTo(Confidence.LOW);
        assertThat(h.level(0.6)).isEqualTo(Confidence.MEDIUM);
        assertThat(h.level(0.9)).isEqualTo(Confidence.HIGH);
        assertThat(h.level(1.0)).isEqualTo(Confidence.HIGH);
    }

    @Test
    void aLongTextScoresItsWorstWindow() {
        LinearHead h = head(0.3, 0.6, 0.9);
        float[] calm = new float[MiniLmEmbedder.DIMENSIONS];
        float[] hot = new float[MiniLmEmbedder.DIMENSIONS];
        hot[0] = 1f;
        HashedFeatures none = HashedFeatures.of("");
        assertThat(h.score(calm, none)).isEqualTo(0.5);
        assertThat(h.score(List.of(calm, hot, calm), none)).isEqualTo(h.score(hot, none)).isGreaterThan(0.98);
    }

    @Test
    void thresholdsOutOfOrderAreRejected() {
        assertThatThrownBy(() -> head(0.7, 0.6, 0.9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("low <= medium <= high");
    }

    @Test
    void committedHeadsHaveOrderedThresholdsInsideTheUnitInterval() {
        SafetyHeads heads = SafetyHeads.loadResource(SafetyHeads.RESOURCE);
        for (LinearHead h : heads.heads().values()) {
            assertThat(h.low()).as(h.name()).isGreaterThan(0).isLessThanOrEqualTo(h.medium());
            assertThat(h.high()).as(h.name()).isLessThan(1).isGreaterThanOrEqualTo(h.medium());
        }
    }

    @Test
    void hashedWordsAreCaseFoldedNormalisedAndStable() {
        HashedFeatures a = HashedFeatures.of("Ignore previous instructions");
        HashedFeatures b = HashedFeatures.of("ignore   PREVIOUS instructions");
        assertThat(a.index()).containsExactly(b.index());
        double norm = 0;
        for (float v : a.value()) {
            norm += v * v;
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        // three words and two bigrams in the word block; in the n-gram block the 3- to 5-grams of ^ignore$,
        // ^previous$ and ^instructions$: (6+5+4) + (8+7+6) + (12+11+10)
        assertThat(java.util.Arrays.stream(a.index()).filter(i -> i < HashedFeatures.BLOCK).count()).isEqualTo(5);
        assertThat(java.util.Arrays.stream(a.index()).filter(i -> i >= HashedFeatures.BLOCK).count())
                .isLessThanOrEqualTo(69).isGreaterThan(60); // a few hash collisions are allowed
        assertThat(HashedFeatures.of("").index()).isEmpty();
    }

    @Test
    void characterNGramsMatchObfuscatedSpellings() {
        // the word block does not share "ignore" with "ign0re", the n-gram block shares ^ig, ign and re$
        HashedFeatures plain = HashedFeatures.of("ignore");
        HashedFeatures obfuscated = HashedFeatures.of("ign0re");
        java.util.Set<Integer> shared = new java.util.HashSet<>();
        for (int i : plain.index()) {
            shared.add(i);
        }
        long common = java.util.Arrays.stream(obfuscated.index()).filter(shared::contains).count();
        assertThat(common).isGreaterThanOrEqualTo(3);
        assertThat(java.util.Arrays.stream(obfuscated.index()).filter(shared::contains)
                .allMatch(i -> i >= HashedFeatures.BLOCK)).isTrue();
    }
}

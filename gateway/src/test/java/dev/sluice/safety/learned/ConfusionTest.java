package dev.sluice.safety.learned;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The figures both safety reports print come from one definition, edge cases included. */
class ConfusionTest {

    @Test
    void figuresFollowTheCountsAndEmptyCasesHaveFixedValues() {
        Confusion c = new Confusion();
        assertThat(c.precision()).isEqualTo(1.0);
        assertThat(c.recall()).isZero();
        assertThat(c.f1()).isZero();
        assertThat(c.falsePositiveRate()).isZero();
        for (int i = 0; i < 8; i++) {
            c.add(true, i < 6);   // 6 tp, 2 fn
        }
        for (int i = 0; i < 10; i++) {
            c.add(false, i < 2);  // 2 fp, 8 tn
        }
        assertThat(c.tp()).isEqualTo(6);
        assertThat(c.precision()).isEqualTo(0.75);
        assertThat(c.recall()).isEqualTo(0.75);
        assertThat(c.f1()).isCloseTo(0.75, Offset.offset(1e-12));
        assertThat(c.falsePositiveRate()).isEqualTo(0.2);
        assertThat(c.toString()).isEqualTo("P 0.750  R 0.750  F1 0.750  FPR 0.2000  (tp 6 fp 2 fn 2 tn 8)");
    }
}

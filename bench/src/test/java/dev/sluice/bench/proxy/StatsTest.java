package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void medianOfOddCountIsTheMiddleValue() {
        Stats s = Stats.of(List.of(5.0, 1.0, 3.0));

        assertThat(s.median()).isEqualTo(3.0);
        assertThat(s.min()).isEqualTo(1.0);
        assertThat(s.max()).isEqualTo(5.0);
        assertThat(s.count()).isEqualTo(3);
    }

    @Test
    void medianOfEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(Stats.of(List.of(4.0, 1.0, 3.0, 10.0)).median()).isEqualTo(3.5);
    }

    @Test
    void missingValuesAreIgnoredAndNoValuesGiveEmpty() {
        assertThat(Stats.of(List.of(Double.NaN, 2.0)).count()).isEqualTo(1);
        assertThat(Stats.of(List.of()).isEmpty()).isTrue();
        assertThat(Stats.of(List.of(Double.NaN)).isEmpty()).isTrue();
    }

    @Test
    void ratioGuardsAgainstMissingAndZero() {
        assertThat(Stats.ratio(45_000, 50_000)).isCloseTo(0.9, within(1e-12));
        assertThat(Stats.ratio(1, 0)).isNaN();
        assertThat(Stats.ratio(Double.NaN, 1)).isNaN();
    }

    @Test
    void cpuMicrosPerRequestFromTicks() {
        // 300 ticks at 100 Hz = 3 s of CPU over 150 000 requests = 20 us each.
        assertThat(Stats.cpuMicrosPerRequest(300, 100, 150_000)).isCloseTo(20.0, within(1e-9));
        assertThat(Stats.cpuMicrosPerRequest(300, 100, 0)).isNaN();
    }
}

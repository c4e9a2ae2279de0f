package dev.sluice.apim.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpikeArrestRateTest {

    @Test
    void parsesPerSecondAndPerMinuteRates() {
        assertThat(SpikeArrestRate.parse("10ps").intervalMicros()).isEqualTo(100_000);
        assertThat(SpikeArrestRate.parse("5ps").intervalMicros()).isEqualTo(200_000);
        assertThat(SpikeArrestRate.parse("30pm").intervalMicros()).isEqualTo(2_000_000);
        assertThat(SpikeArrestRate.parse("100ps").intervalMicros()).isEqualTo(10_000);
        assertThat(SpikeArrestRate.parse("30pm").toString()).isEqualTo("30pm");
    }

    @Test
    void describesItselfAsApigeeX() {
        assertThat(SpikeArrestRate.parse("5ps").apigeeDescription())
                .isEqualTo("MessageRate{messagesPerPeriod=5, periodInMicroseconds=1000000, maxBurstMessageCount=1.0}");
    }

    @Test
    void rejectsOtherForms() {
        assertThatThrownBy(() -> SpikeArrestRate.parse("0ps")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpikeArrestRate.parse("10ph")).hasMessageContaining("10ps or 30pm");
        assertThatThrownBy(() -> SpikeArrestRate.parse("ps")).isInstanceOf(IllegalArgumentException.class);
    }
}

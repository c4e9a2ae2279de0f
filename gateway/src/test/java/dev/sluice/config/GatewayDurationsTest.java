package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class GatewayDurationsTest {

    @Test
    void parsesGatewayApiDurations() {
        assertThat(GatewayDurations.parse("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(GatewayDurations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(GatewayDurations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(GatewayDurations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(GatewayDurations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(GatewayDurations.parse("1h2m3s4ms")).isEqualTo(Duration.parse("PT1H2M3.004S"));
        assertThat(GatewayDurations.parse("0s")).isEqualTo(Duration.ZERO);
        assertThat(GatewayDurations.parse("99999ms")).isEqualTo(Duration.ofMillis(99_999));
    }

    @Test
    void rejectsEverythingElse() {
        for (String bad : new String[] { "", "1", "s", "1.5s", "-1s", "1S", "1d", "1s1m", "1s1s", "100000s",
                                         " 1s", "1s ", "PT1S", "1m 30s" }) {
            assertThat(GatewayDurations.parse(bad)).as(bad).isNull();
        }
    }

    @Test
    void formats() {
        assertThat(GatewayDurations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(GatewayDurations.format(Duration.ofSeconds(60))).isEqualTo("1m");
        assertThat(GatewayDurations.format(Duration.parse("PT1H2M3.004S"))).isEqualTo("1h2m3s4ms");
    }
}

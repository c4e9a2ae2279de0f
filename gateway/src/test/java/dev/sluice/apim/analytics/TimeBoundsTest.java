package dev.sluice.apim.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

/** The times and durations the commands and the admin API take, parsed in one place. */
class TimeBoundsTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void boundsAreInstantsDatesOrAges() {
        assertThat(TimeBounds.parse("--since", "2026-03-10T11:00:00Z", CLOCK))
                .isEqualTo(Instant.parse("2026-03-10T11:00:00Z"));
        assertThat(TimeBounds.parse("--since", "2026-03-09", CLOCK)).isEqualTo(Instant.parse("2026-03-09T00:00:00Z"));
        assertThat(TimeBounds.parse("--since", "90M", CLOCK)).isEqualTo(Instant.parse("2026-03-10T10:30:00Z"));
        assertThat(TimeBounds.parse("--since", " ", CLOCK)).isNull();
        assertThatThrownBy(() -> TimeBounds.parse("since", "yesterday", CLOCK))
                .hasMessageStartingWith("since: yesterday (expected: an instant such as 2026-03-10T12:00:00Z");
    }

    @Test
    void durationsArePositiveSecondsMinutesHoursOrDays() {
        assertThat(TimeBounds.duration("--expires-in", "3600s")).isEqualTo(Duration.ofHours(1));
        assertThat(TimeBounds.duration("--expires-in", " 30d ")).isEqualTo(Duration.ofDays(30));
        assertThat(TimeBounds.duration("grace", "12H")).isEqualTo(Duration.ofHours(12));
        for (String bad : new String[] { "0d", "5w", "-1h", "1.5h", "" }) {
            assertThatThrownBy(() -> TimeBounds.duration("grace", bad))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("grace: " + bad + " (expected: a duration > 0 such as 3600s, 90m, 12h or 30d)");
        }
    }
}

package dev.sluice.apim.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.sluice.apim.limit.Quota.Metric;
import dev.sluice.apim.limit.Quota.TimeUnit;
import dev.sluice.apim.limit.Quota.Type;

class WindowsTest {

    private static Quota calendar(int interval, TimeUnit unit) {
        return new Quota(Metric.REQUESTS, 10, interval, unit, Type.CALENDAR);
    }

    private static long ms(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    private static String start(Quota q, String now) {
        return Instant.ofEpochMilli(Windows.calendarStart(q, ms(now))).toString();
    }

    private static String end(Quota q, String now) {
        return Instant.ofEpochMilli(Windows.calendarEnd(q, Windows.calendarStart(q, ms(now)))).toString();
    }

    @Test
    void minutesAndHours_alignToTheClock() {
        assertThat(start(calendar(1, TimeUnit.MINUTE), "2026-03-10T12:34:56.789Z")).isEqualTo("2026-03-10T12:34:00Z");
        assertThat(end(calendar(1, TimeUnit.MINUTE), "2026-03-10T12:34:56.789Z")).isEqualTo("2026-03-10T12:35:00Z");
        assertThat(start(calendar(5, TimeUnit.MINUTE), "2026-03-10T12:34:56Z")).isEqualTo("2026-03-10T12:30:00Z");
        assertThat(end(calendar(5, TimeUnit.MINUTE), "2026-03-10T12:34:56Z")).isEqualTo("2026-03-10T12:35:00Z");
        assertThat(start(calendar(1, TimeUnit.HOUR), "2026-03-10T12:34:56Z")).isEqualTo("2026-03-10T12:00:00Z");
        assertThat(end(calendar(1, TimeUnit.HOUR), "2026-03-10T23:59:59.999Z")).isEqualTo("2026-03-11T00:00:00Z");
    }

    @Test
    void days_resetAtMidnightUtc() {
        assertThat(start(calendar(1, TimeUnit.DAY), "2026-03-10T23:59:59.999Z")).isEqualTo("2026-03-10T00:00:00Z");
        assertThat(end(calendar(1, TimeUnit.DAY), "2026-03-10T23:59:59.999Z")).isEqualTo("2026-03-11T00:00:00Z");
        assertThat(start(calendar(1, TimeUnit.DAY), "2026-03-11T00:00:00Z")).isEqualTo("2026-03-11T00:00:00Z");
    }

    @Test
    void weeks_runMondayToSundayMidnight() {
        // 2026-03-11 is a Wednesday; its week began on Monday the 9th and ends as Sunday the 15th ends.
        assertThat(start(calendar(1, TimeUnit.WEEK), "2026-03-11T10:00:00Z")).isEqualTo("2026-03-09T00:00:00Z");
        assertThat(end(calendar(1, TimeUnit.WEEK), "2026-03-11T10:00:00Z")).isEqualTo("2026-03-16T00:00:00Z");
        assertThat(start(calendar(1, TimeUnit.WEEK), "2026-03-15T23:59:59Z")).isEqualTo("2026-03-09T00:00:00Z");
        assertThat(start(calendar(1, TimeUnit.WEEK), "2026-03-16T00:00:00Z")).isEqualTo("2026-03-16T00:00:00Z");
        // Before the first epoch Monday as well.
        assertThat(start(calendar(1, TimeUnit.WEEK), "1970-01-02T00:00:00Z")).isEqualTo("1969-12-29T00:00:00Z");
    }

    @Test
    void months_followTheCalendar() {
        assertThat(start(calendar(1, TimeUnit.MONTH), "2026-02-28T23:59:59Z")).isEqualTo("2026-02-01T00:00:00Z");
        assertThat(end(calendar(1, TimeUnit.MONTH), "2026-02-28T23:59:59Z")).isEqualTo("2026-03-01T00:00:00Z");
        assertThat(end(calendar(1, TimeUnit.MONTH), "2026-12-31T12:00:00Z")).isEqualTo("2027-01-01T00:00:00Z");
        // Two-month windows from the epoch: Jan-Feb, Mar-Apr, ...
        assertThat(start(calendar(2, TimeUnit.MONTH), "2026-04-30T00:00:00Z")).isEqualTo("2026-03-01T00:00:00Z");
        assertThat(end(calendar(2, TimeUnit.MONTH), "2026-04-30T00:00:00Z")).isEqualTo("2026-05-01T00:00:00Z");
    }

    @Test
    void rollingBuckets_areASixtiethOfTheWindow() {
        final Quota q = new Quota(Metric.REQUESTS, 10, 1, TimeUnit.MINUTE, Type.ROLLING_WINDOW);
        assertThat(Windows.bucketMillis(q)).isEqualTo(1000);
        assertThat(Windows.bucketIndex(q, 61_500)).isEqualTo(61);
        final Quota month = new Quota(Metric.REQUESTS, 10, 1, TimeUnit.MONTH, Type.ROLLING_WINDOW);
        assertThat(Windows.bucketMillis(month)).isEqualTo(30L * 86_400_000 / 60);
    }
}

package dev.sluice.apim.limit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Window arithmetic shared by limiter implementations, in epoch milliseconds (UTC).
 *
 * <p>Calendar windows of {@code n} units are aligned to the epoch in that unit: {@code n} minutes start at minutes
 * divisible by {@code n}, days at midnight UTC, weeks on Monday 00:00 UTC (so a week ends on Sunday midnight, as
 * Apigee's does), months on the first of the month. Rolling windows are cut into {@value #ROLLING_BUCKETS} buckets;
 * a rolling count sums the buckets that overlap the window ending now, one more than the window holds, so it never
 * counts less than an exact sliding log would: a limit is never exceeded in any window of the quota's length, at
 * the price of refusing up to one bucket (1/{@value #ROLLING_BUCKETS} of the window) early.
 */
public final class Windows {

    /** Buckets per rolling window. */
    public static final int ROLLING_BUCKETS = 60;

    /** 1970-01-01 was a Thursday; the first Monday is four days later. */
    private static final long MONDAY_OFFSET_MILLIS = 4L * 86_400_000L;

    private Windows() {}

    /** Returns the start of the calendar window holding {@code nowMillis}. */
    public static long calendarStart(Quota quota, long nowMillis) {
        return switch (quota.timeUnit()) {
            case MONTH -> {
                final LocalDate d = Instant.ofEpochMilli(nowMillis).atZone(ZoneOffset.UTC).toLocalDate();
                final long months = (d.getYear() - 1970L) * 12 + d.getMonthValue() - 1;
                final long first = Math.floorDiv(months, quota.interval()) * quota.interval();
                yield monthStart(first);
            }
            case WEEK -> {
                final long len = lengthMillis(quota);
                yield Math.floorDiv(nowMillis - MONDAY_OFFSET_MILLIS, len) * len + MONDAY_OFFSET_MILLIS;
            }
            default -> {
                final long len = lengthMillis(quota);
                yield Math.floorDiv(nowMillis, len) * len;
            }
        };
    }

    /** Returns the end (exclusive) of the calendar window that starts at {@code startMillis}. */
    public static long calendarEnd(Quota quota, long startMillis) {
        if (quota.timeUnit() == Quota.TimeUnit.MONTH) {
            final LocalDate d = Instant.ofEpochMilli(startMillis).atZone(ZoneOffset.UTC).toLocalDate();
            return d.plusMonths(quota.interval()).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        }
        return startMillis + lengthMillis(quota);
    }

    /** Returns the length of one rolling bucket. */
    public static long bucketMillis(Quota quota) {
        return Math.max(1, lengthMillis(quota) / ROLLING_BUCKETS);
    }

    /** Returns the index of the rolling bucket holding {@code nowMillis}. */
    public static long bucketIndex(Quota quota, long nowMillis) {
        return Math.floorDiv(nowMillis, bucketMillis(quota));
    }

    /** Returns the nominal window length in milliseconds. */
    public static long lengthMillis(Quota quota) {
        return quota.window().toMillis();
    }

    private static long monthStart(long monthsSinceEpoch) {
        final int year = (int) (1970 + Math.floorDiv(monthsSinceEpoch, 12));
        final int month = (int) Math.floorMod(monthsSinceEpoch, 12) + 1;
        return LocalDate.of(year, month, 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
}

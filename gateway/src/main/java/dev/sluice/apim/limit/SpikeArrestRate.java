package dev.sluice.apim.limit;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SpikeArrest rate such as {@code 10ps} or {@code 30pm}. As in Apigee, the rate is smoothed rather than counted:
 * {@code 10ps} admits one request per 100 ms and {@code 30pm} one every 2 seconds, so a burst is cut even when the
 * per-second total would fit.
 *
 * @param messagesPerPeriod how many requests per period
 * @param period one second ({@code ps}) or one minute ({@code pm})
 */
public record SpikeArrestRate(long messagesPerPeriod, Duration period) {

    private static final Pattern RATE = Pattern.compile("([1-9][0-9]{0,8})(ps|pm)");

    public SpikeArrestRate {
        if (messagesPerPeriod < 1) {
            throw new IllegalArgumentException("messagesPerPeriod: " + messagesPerPeriod + " (expected: >= 1)");
        }
        if (!period.equals(Duration.ofSeconds(1)) && !period.equals(Duration.ofMinutes(1))) {
            throw new IllegalArgumentException("period: " + period + " (expected: 1s or 1m)");
        }
    }

    /** Parses {@code Nps} or {@code Npm}. */
    public static SpikeArrestRate parse(String rate) {
        final Matcher m = RATE.matcher(rate);
        if (!m.matches()) {
            throw new IllegalArgumentException("spikeArrest: " + rate + " (expected: a rate such as 10ps or 30pm)");
        }
        return new SpikeArrestRate(Long.parseLong(m.group(1)),
                                   "ps".equals(m.group(2)) ? Duration.ofSeconds(1) : Duration.ofMinutes(1));
    }

    /** Returns the smallest spacing between two admitted requests, in microseconds. */
    public long intervalMicros() {
        return Math.max(1, periodMicros() / messagesPerPeriod);
    }

    /** Returns the period in microseconds. */
    public long periodMicros() {
        return period.toNanos() / 1000;
    }

    /** Returns the rate as Apigee X reports it in a SpikeArrestViolation fault. */
    public String apigeeDescription() {
        return "MessageRate{messagesPerPeriod=" + messagesPerPeriod + ", periodInMicroseconds=" + periodMicros() +
               ", maxBurstMessageCount=1.0}";
    }

    @Override
    public String toString() {
        return messagesPerPeriod + (period.equals(Duration.ofSeconds(1)) ? "ps" : "pm");
    }
}

package dev.sluice.apim.analytics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Parses times as the command line and the admin API take them: the bounds of analytics queries, an instant
 * ({@code 2026-03-10T12:00:00Z}), a UTC date ({@code 2026-03-10}, its midnight), or an age ({@code 90m},
 * {@code 12h}, {@code 7d}: that long before now); and durations such as key lifetimes ({@code 30d}).
 */
public final class TimeBounds {

    private static final Pattern AGE = Pattern.compile("([0-9]{1,9})([smhd])");

    private TimeBounds() {}

    /** Parses {@code value} for the option or parameter {@code name}; {@code null} stays {@code null}. */
    public static @Nullable Instant parse(String name, @Nullable String value, Clock clock) {
        if (value == null || value.isBlank()) {
            return null;
        }
        final String v = value.strip();
        final Duration age = age(v);
        if (age != null) {
            return clock.instant().minus(age);
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            // Try a date below.
        }
        try {
            return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: an instant such as " +
                                               "2026-03-10T12:00:00Z, a date such as 2026-03-10, or an age such " +
                                               "as 90m, 12h or 7d)");
        }
    }

    /**
     * Parses a duration > 0 such as {@code 3600s}, {@code 90m}, {@code 12h} or {@code 30d} (key lifetimes and grace
     * periods) for the option or field {@code name}.
     */
    public static Duration duration(String name, String value) {
        final Duration d = age(value.strip());
        if (d == null || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + value +
                                               " (expected: a duration > 0 such as 3600s, 90m, 12h or 30d)");
        }
        return d;
    }

    private static @Nullable Duration age(String v) {
        final Matcher m = AGE.matcher(v.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        final long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}

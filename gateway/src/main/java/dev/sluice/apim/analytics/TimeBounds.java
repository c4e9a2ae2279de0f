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
 * Parses the time bounds of analytics queries as the command line and the admin API take them: an instant
 * ({@code 2026-03-10T12:00:00Z}), a UTC date ({@code 2026-03-10}, its midnight), or an age ({@code 90m},
 * {@code 12h}, {@code 7d}: that long before now).
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
        final Matcher m = AGE.matcher(v.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            final long n = Long.parseLong(m.group(1));
            final Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return clock.instant().minus(d);
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
}

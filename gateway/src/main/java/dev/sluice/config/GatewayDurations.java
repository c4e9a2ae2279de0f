package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Parses and formats Gateway API durations (GEP-2257): one to four components of up to five digits and a unit
 * {@code h}, {@code m}, {@code s} or {@code ms}, as in {@code 1h}, {@code 1m30s} or {@code 500ms}. Units appear at
 * most once and from largest to smallest, so that every duration has one spelling; there is no sign and no
 * fraction.
 */
final class GatewayDurations {

    private static final Pattern COMPONENT = Pattern.compile("([0-9]{1,5})(ms|h|m|s)");
    private static final List<String> UNITS = List.of("h", "m", "s", "ms");

    private GatewayDurations() {}

    /** Returns the duration, or {@code null} if {@code text} is not a Gateway API duration. */
    static @Nullable Duration parse(String text) {
        final Matcher m = COMPONENT.matcher(text);
        Duration total = Duration.ZERO;
        int position = 0;
        int lastUnit = -1;
        int components = 0;
        while (position < text.length()) {
            if (!m.find(position) || m.start() != position) {
                return null;
            }
            final int unit = UNITS.indexOf(m.group(2));
            if (unit <= lastUnit || ++components > 4) {
                return null;
            }
            lastUnit = unit;
            final long amount = Long.parseLong(m.group(1));
            total = total.plus(switch (unit) {
                case 0 -> Duration.ofHours(amount);
                case 1 -> Duration.ofMinutes(amount);
                case 2 -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
            });
            position = m.end();
        }
        return components == 0 ? null : total;
    }

    /** Formats a duration the Gateway API way, for messages: {@code 1m30s}, {@code 500ms}, {@code 0s}. */
    static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        final StringBuilder buf = new StringBuilder();
        append(buf, d.toHours(), "h");
        append(buf, d.toMinutesPart(), "m");
        append(buf, d.toSecondsPart(), "s");
        append(buf, d.toMillisPart(), "ms");
        return buf.toString();
    }

    private static void append(StringBuilder buf, long amount, String unit) {
        if (amount != 0) {
            buf.append(amount).append(unit);
        }
    }
}

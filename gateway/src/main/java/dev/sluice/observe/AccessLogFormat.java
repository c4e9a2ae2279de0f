package dev.sluice.observe;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.ExtensionCallRecord;

/**
 * Formats an {@link ExchangeRecord} as one JSON line of the access log.
 *
 * <p>Fields (absent when unknown): {@code time} (RFC 3339, microseconds), {@code requestId}, {@code traceId},
 * {@code spanId} (the gateway's request span), {@code clientAddress}, {@code method}, {@code path} (without the
 * query), {@code status}, {@code route}, {@code pool}, {@code endpoint}, {@code model}, {@code targetModel},
 * {@code objective}, {@code priority}, {@code stream}, {@code attempts}, {@code requestBytes},
 * {@code responseBytes}, {@code latencyMs}, {@code upstreamLatencyMs}, {@code ttftMs}, {@code inputTokens},
 * {@code outputTokens}, {@code outputTokensCounted}, {@code cachedTokens}, {@code proxyStatus} (the error detail
 * in RFC 9209 Proxy-Status style, named like the field of Google Cloud's load balancer logs) and
 * {@code extensions} (each call's {@code name}, {@code event}, {@code outcome} and {@code latencyMs}).
 *
 * <p>The record holds no headers, query strings or bodies, so prompts, completions, API keys and authorization
 * headers cannot reach the log.
 */
public final class AccessLogFormat {

    private AccessLogFormat() {}

    /** Returns the JSON line for {@code r}, without a line break. */
    public static String format(ExchangeRecord r) {
        final StringBuilder b = new StringBuilder(768);
        b.append('{');
        b.append("\"time\":\"");
        time(b, r.startEpochMicros());
        b.append('"');
        field(b, "requestId", r.requestId(), false);
        field(b, "traceId", r.trace().traceId(), false);
        field(b, "spanId", r.trace().requestSpanId(), false);
        field(b, "clientAddress", r.clientAddress(), false);
        field(b, "method", r.method(), false);
        field(b, "path", r.path(), false);
        number(b, "status", r.status());
        field(b, "route", r.route(), false);
        field(b, "pool", r.pool(), false);
        field(b, "endpoint", r.endpoint(), false);
        field(b, "model", r.model(), false);
        field(b, "targetModel", r.targetModel(), false);
        field(b, "objective", r.objective(), false);
        if (r.objective() != null) {
            number(b, "priority", r.priority());
        }
        b.append(",\"stream\":").append(r.stream());
        number(b, "attempts", r.attempts());
        known(b, "requestBytes", r.requestBytes());
        known(b, "responseBytes", r.responseBytes());
        millis(b, "latencyMs", r.totalNanos());
        millis(b, "upstreamLatencyMs", r.upstreamNanos());
        millis(b, "ttftMs", r.ttftNanos());
        known(b, "inputTokens", r.inputTokens());
        known(b, "outputTokens", r.outputTokens());
        if (r.outputTokens() >= 0 && r.outputTokensCounted()) {
            b.append(",\"outputTokensCounted\":true");
        }
        known(b, "cachedTokens", r.cachedTokens());
        field(b, "proxyStatus", r.errorDetail(), false);
        final List<ExtensionCallRecord> calls = r.extensionCalls();
        if (!calls.isEmpty()) {
            b.append(",\"extensions\":[");
            for (int i = 0; i < calls.size(); i++) {
                final ExtensionCallRecord c = calls.get(i);
                b.append(i == 0 ? "{" : ",{");
                field(b, "name", c.extension(), true);
                field(b, "event", c.event(), false);
                field(b, "outcome", c.outcome(), false);
                millis(b, "latencyMs", c.durationNanos());
                b.append('}');
            }
            b.append(']');
        }
        return b.append('}').toString();
    }

    /** The date part of the last time written, reused within the same day (the writer is one thread). */
    private record Day(long epochDay, String date) {}

    private static volatile Day day = new Day(0, "1970-01-01");

    /** Writes {@code micros} since the epoch as RFC 3339 in UTC with six decimals, as {@link Instant} would. */
    static void time(StringBuilder b, long micros) {
        final long seconds = Math.floorDiv(micros, 1_000_000L);
        final int fraction = (int) Math.floorMod(micros, 1_000_000L);
        final long epochDay = Math.floorDiv(seconds, 86_400L);
        final int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        Day d = day;
        if (d.epochDay() != epochDay) {
            d = new Day(epochDay, LocalDate.ofEpochDay(epochDay).toString());
            day = d;
        }
        b.append(d.date()).append('T');
        pad(b, secondOfDay / 3600, 2).append(':');
        pad(b, secondOfDay / 60 % 60, 2).append(':');
        pad(b, secondOfDay % 60, 2).append('.');
        pad(b, fraction, 6).append('Z');
    }

    private static StringBuilder pad(StringBuilder b, int value, int digits) {
        for (int limit = 10, i = 1; i < digits; i++, limit *= 10) {
            if (value < limit) {
                b.append('0');
            }
        }
        return b.append(value);
    }

    private static void field(StringBuilder b, String name, @Nullable String value, boolean first) {
        if (value == null) {
            return;
        }
        if (!first) {
            b.append(',');
        }
        b.append('"').append(name).append("\":");
        string(b, value);
    }

    private static void number(StringBuilder b, String name, long value) {
        b.append(",\"").append(name).append("\":").append(value);
    }

    private static void known(StringBuilder b, String name, long value) {
        if (value >= 0) {
            number(b, name, value);
        }
    }

    /** Writes nanoseconds as milliseconds with three decimals (microsecond precision). */
    private static void millis(StringBuilder b, String name, long nanos) {
        if (nanos < 0) {
            return;
        }
        final long micros = nanos / 1000;
        b.append(",\"").append(name).append("\":").append(micros / 1000).append('.');
        final long frac = micros % 1000;
        if (frac < 100) {
            b.append('0');
        }
        if (frac < 10) {
            b.append('0');
        }
        b.append(frac);
    }

    /** Writes a JSON string, escaping quotes, backslashes and control characters. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        int clean = 0;
        while (clean < s.length()) {
            final char c = s.charAt(clean);
            if (c < 0x20 || c == '"' || c == '\\' || c == 0x2028 || c == 0x2029) {
                break;
            }
            clean++;
        }
        // Most values need no escaping: copy them whole.
        b.append(s, 0, clean);
        for (int i = clean; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}

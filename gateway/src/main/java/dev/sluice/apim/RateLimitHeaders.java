package dev.sluice.apim;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.limit.RateLimiter.QuotaState;

/**
 * OpenAI's rate-limit response headers from quota states: {@code x-ratelimit-limit-requests},
 * {@code x-ratelimit-remaining-requests}, {@code x-ratelimit-reset-requests} and the same three for
 * {@code -tokens}. When a product has several request (or token) quotas, the headers describe the one with the
 * fewest units left, since that is the one that will refuse first. Reset times are durations such as {@code 1s},
 * {@code 6m0s} or {@code 20ms}, as OpenAI writes them.
 */
final class RateLimitHeaders {

    private RateLimitHeaders() {}

    static Map<String, String> of(List<QuotaState> states, Instant now) {
        final Map<String, String> headers = new LinkedHashMap<>();
        add(headers, "requests", tightest(states, false), now);
        add(headers, "tokens", tightest(states, true), now);
        return headers;
    }

    private static @Nullable QuotaState tightest(List<QuotaState> states, boolean tokens) {
        QuotaState best = null;
        for (QuotaState s : states) {
            if (s.charge().quota().metric().isTokens() != tokens) {
                continue;
            }
            if (best == null || s.remaining() < best.remaining() ||
                s.remaining() == best.remaining() && s.resetAt().isBefore(best.resetAt())) {
                best = s;
            }
        }
        return best;
    }

    private static void add(Map<String, String> headers, String what, @Nullable QuotaState s, Instant now) {
        if (s == null) {
            return;
        }
        headers.put("x-ratelimit-limit-" + what, String.valueOf(s.charge().quota().limit()));
        headers.put("x-ratelimit-remaining-" + what, String.valueOf(s.remaining()));
        headers.put("x-ratelimit-reset-" + what, format(Duration.between(now, s.resetAt())));
    }

    /** Formats a duration as OpenAI's headers do: {@code 20ms}, {@code 1s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String format(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return "0s";
        }
        final long millis = d.toMillis();
        if (millis < 1000) {
            return Math.max(1, millis) + "ms";
        }
        final long seconds = (millis + 999) / 1000;
        final long h = seconds / 3600;
        final long m = seconds % 3600 / 60;
        final long s = seconds % 60;
        if (h > 0) {
            return h + "h" + m + "m" + s + "s";
        }
        if (m > 0) {
            return m + "m" + s + "s";
        }
        return s + "s";
    }
}

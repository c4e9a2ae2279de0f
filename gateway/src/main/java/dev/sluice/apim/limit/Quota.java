package dev.sluice.apim.limit;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Locale;

/**
 * An allowance of requests or tokens over a period, as an Apigee {@code Quota} or {@code LLMTokenQuota} policy
 * defines one: {@code limit} units per {@code interval} {@code timeUnit}s, counted in calendar windows (which reset on
 * UTC boundaries: the next minute, hour, midnight, Monday or first of the month) or in a rolling window that ends at
 * each request.
 *
 * @param metric what one unit is: a request, or input, output or total tokens
 * @param limit the allowance per window, at least 1
 * @param interval how many {@code timeUnit}s one window spans, at least 1
 * @param timeUnit the unit of the window
 * @param type calendar or rolling windows
 */
public record Quota(Metric metric, long limit, int interval, TimeUnit timeUnit, Type type) {

    /** What a quota counts. */
    public enum Metric {
        REQUESTS("requests"),
        INPUT_TOKENS("inputTokens"),
        OUTPUT_TOKENS("outputTokens"),
        TOTAL_TOKENS("totalTokens");

        private final String configName;

        Metric(String configName) {
            this.configName = configName;
        }

        /** Returns the name used in configuration, for example {@code totalTokens}. */
        public String configName() {
            return configName;
        }

        /** Returns whether this counts tokens (and so is reconciled with real usage). */
        public boolean isTokens() {
            return this != REQUESTS;
        }

        /** Returns the units one request costs given its input and output tokens. */
        public long cost(long inputTokens, long outputTokens) {
            return switch (this) {
                case REQUESTS -> 1;
                case INPUT_TOKENS -> inputTokens;
                case OUTPUT_TOKENS -> outputTokens;
                case TOTAL_TOKENS -> inputTokens + outputTokens;
            };
        }

        /** Returns the metric with this configuration name. */
        public static Metric ofConfigName(String name) {
            for (Metric m : values()) {
                if (m.configName.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("counts: " + name +
                                               " (expected: requests, inputTokens, outputTokens or totalTokens)");
        }
    }

    /** The unit of a quota window, as Apigee's {@code TimeUnit}. */
    public enum TimeUnit {
        MINUTE(Duration.ofMinutes(1)),
        HOUR(Duration.ofHours(1)),
        DAY(Duration.ofDays(1)),
        WEEK(Duration.ofDays(7)),
        /** Calendar windows follow real months; a rolling month is 30 days. */
        MONTH(Duration.ofDays(30));

        private final Duration nominal;

        TimeUnit(Duration nominal) {
            this.nominal = nominal;
        }

        /** Returns the length of one unit; for months, the 30 days a rolling window uses. */
        public Duration nominal() {
            return nominal;
        }

        /** Returns the name used in configuration, for example {@code minute}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Returns the unit with this configuration name. */
        public static TimeUnit ofConfigName(String name) {
            for (TimeUnit u : values()) {
                if (u.configName().equals(name)) {
                    return u;
                }
            }
            throw new IllegalArgumentException("timeUnit: " + name +
                                               " (expected: minute, hour, day, week or month)");
        }
    }

    /** How a quota's window moves. */
    public enum Type {
        /** Fixed windows aligned to UTC calendar boundaries; the count resets at the end of each. */
        CALENDAR("calendar"),
        /** A window of the quota's length that ends at the moment of each request. */
        ROLLING_WINDOW("rollingwindow");

        private final String configName;

        Type(String configName) {
            this.configName = configName;
        }

        /** Returns the name used in configuration: {@code calendar} or {@code rollingwindow}. */
        public String configName() {
            return configName;
        }

        /** Returns the type with this configuration name. */
        public static Type ofConfigName(String name) {
            for (Type t : values()) {
                if (t.configName.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("type: " + name + " (expected: calendar or rollingwindow)");
        }
    }

    public Quota {
        requireNonNull(metric, "metric");
        requireNonNull(timeUnit, "timeUnit");
        requireNonNull(type, "type");
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        if (interval < 1) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: >= 1)");
        }
    }

    /** Returns a calendar quota of {@code limit} requests per {@code interval} {@code timeUnit}s. */
    public static Quota requests(long limit, int interval, TimeUnit timeUnit) {
        return new Quota(Metric.REQUESTS, limit, interval, timeUnit, Type.CALENDAR);
    }

    /** Returns the nominal window length: {@code interval} times the unit (a month counting 30 days). */
    public Duration window() {
        return timeUnit.nominal().multipliedBy(interval);
    }

    /** Returns a short stable description, used in counter names so that a changed quota starts afresh. */
    public String signature() {
        return metric.configName + '/' + limit + '/' + interval + timeUnit.configName() + '/' + type.configName;
    }

    @Override
    public String toString() {
        return limit + " " + metric.configName + " per " + interval + ' ' + timeUnit.configName() +
               (interval > 1 ? "s" : "") + " (" + type.configName + ')';
    }
}

package dev.sluice.apim.analytics;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * A summary query over analytics records: filters (each {@code null} for any), a time window ({@code since}
 * inclusive, {@code until} exclusive) and the dimensions to group by (none: one total row).
 */
public record AnalyticsQuery(@Nullable String app, @Nullable String product, @Nullable String model,
                             @Nullable String developer, @Nullable Instant since, @Nullable Instant until,
                             List<Dimension> groupBy) {

    public AnalyticsQuery {
        groupBy = List.copyOf(groupBy);
        if (since != null && until != null && !since.isBefore(until)) {
            throw new IllegalArgumentException("since " + since + " is not before until " + until);
        }
        if (groupBy.size() != groupBy.stream().distinct().count()) {
            throw new IllegalArgumentException("group by: " + groupBy + " (expected: each dimension once)");
        }
    }

    /** A query for every record, as one total. */
    public static AnalyticsQuery all() {
        return new AnalyticsQuery(null, null, null, null, null, null, List.of());
    }

    /** What records can be grouped by. */
    public enum Dimension {
        APP("app_id"), PRODUCT("product"), MODEL("model"), DEVELOPER("developer_id"), KEY("key_id"),
        POOL("pool"), STATUS("status"),
        /** The hour the request arrived in (UTC), as its start. */
        HOUR("(ts_micros / 3600000000) * 3600000000"),
        /** The day the request arrived on (UTC), as its start. */
        DAY("(ts_micros / 86400000000) * 86400000000");

        final String column;

        Dimension(String column) {
            this.column = column;
        }

        /** Returns the name used on the command line and in JSON ({@code app}, {@code hour}, …). */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Returns whether the dimension is a time bucket, whose values are start times. */
        public boolean isTime() {
            return this == HOUR || this == DAY;
        }

        /** Parses {@code app,product,model} (case-insensitive); bad names get a message listing the good ones. */
        public static List<Dimension> parseList(@Nullable String csv) {
            final List<Dimension> out = new ArrayList<>();
            if (csv == null || csv.isBlank()) {
                return out;
            }
            for (String s : csv.split(",")) {
                final String name = s.strip().toUpperCase(Locale.ROOT);
                try {
                    out.add(valueOf(name));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "group by: " + s.strip() + " (expected: one or more of app, product, model, developer, " +
                            "key, pool, status, hour, day, separated by commas)");
                }
            }
            return out;
        }
    }

    /**
     * One row of a summary.
     *
     * @param group the values of the grouped dimensions, in query order ({@code null} where not set; ISO instants for
     *              time buckets)
     * @param requests records in the group
     * @param errors records with {@link AnalyticsRecord#isError()}
     * @param inputTokens sum of input tokens
     * @param outputTokens sum of output tokens
     * @param cachedTokens sum of cached prompt tokens
     * @param avgLatencyMillis mean total latency
     * @param maxLatencyMillis largest total latency
     * @param avgUpstreamLatencyMillis mean upstream latency of requests that reached one
     */
    public record Row(List<@Nullable String> group, long requests, long errors, long inputTokens, long outputTokens,
                      long cachedTokens, double avgLatencyMillis, double maxLatencyMillis,
                      double avgUpstreamLatencyMillis) {}
}

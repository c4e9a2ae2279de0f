package dev.sluice.apim.analytics;

import java.util.List;

/**
 * Where analytics records are kept. Methods block; only the {@link AnalyticsWriter}'s thread appends, and queries
 * come from the command line or the admin API, never from an event loop. A failed {@link #append} throws
 * {@link AnalyticsStoreException}, which says whether trying again may help.
 */
public interface AnalyticsStore extends AutoCloseable {

    /**
     * Stores {@code records} in one transaction: all or none. Records whose {@link AnalyticsRecord#id()} is stored
     * already are skipped, so a batch retried after an unclear failure is not counted twice.
     */
    void append(List<AnalyticsRecord> records);

    /** Returns the grouped summary of the records {@code query} selects, biggest groups (by requests) first. */
    List<AnalyticsQuery.Row> summarize(AnalyticsQuery query);

    /** Returns up to {@code limit} records {@code query} selects (its grouping is ignored), newest first. */
    List<AnalyticsRecord> records(AnalyticsQuery query, int limit);

    @Override
    void close();
}

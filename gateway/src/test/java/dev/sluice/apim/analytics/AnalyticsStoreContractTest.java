package dev.sluice.apim.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.apim.analytics.AnalyticsQuery.Dimension;
import dev.sluice.apim.analytics.AnalyticsQuery.Row;

/**
 * What every {@link AnalyticsStore} must do: exact round trips, idempotent batches, filters, windows and grouping.
 * Subclasses open the store (SQLite here; a PostgreSQL subclass needs only {@link #open()} and {@link #reopen()}).
 */
abstract class AnalyticsStoreContractTest {

    AnalyticsStore store;

    /** Opens a new, empty store. */
    abstract AnalyticsStore open() throws Exception;

    /** Opens the same store again (after {@code store} was closed). */
    abstract AnalyticsStore reopen() throws Exception;

    static final Instant T0 = Instant.parse("2026-03-10T12:00:00.123456Z");

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    static AnalyticsRecord rec(String id, Instant time, String app, String product, String model, int status,
                               long latencyMicros, long in, long out) {
        return new AnalyticsRecord(id, time, "req-" + id, "key_" + app, app, "dev_1", product, model,
                                   model + "-target", "pool-a", status, latencyMicros, latencyMicros / 2, in, out,
                                   in / 2, 100, 200, status >= 400 ? "policies.ratelimit.QuotaViolation" : null);
    }

    @Test
    void recordsRoundTripExactly() {
        final AnalyticsRecord full = rec("1", T0, "app_a", "starter", "gemma", 200, 12_345, 10, 20);
        final AnalyticsRecord sparse = new AnalyticsRecord("2", T0.plusSeconds(1), "req-2", null, null, null, null,
                                                           null, null, null, 401, 50, 0, 0, 0, 0, 80, 90,
                                                           "steps.raisefault.RaiseFault");
        store.append(List.of(full, sparse));
        assertThat(store.records(AnalyticsQuery.all(), 10)).containsExactly(sparse, full);
    }

    @Test
    void aBatchWrittenTwiceIsStoredOnce() {
        final List<AnalyticsRecord> batch = List.of(rec("1", T0, "a", "p", "m", 200, 10, 1, 1),
                                                    rec("2", T0, "a", "p", "m", 200, 10, 1, 1));
        store.append(batch);
        store.append(batch);
        assertThat(store.summarize(AnalyticsQuery.all())).singleElement().extracting(Row::requests).isEqualTo(2L);
    }

    @Test
    void theStoreSurvivesReopening() throws Exception {
        store.append(List.of(rec("1", T0, "a", "p", "m", 200, 10, 1, 1)));
        store.close();
        store = reopen();
        assertThat(store.records(AnalyticsQuery.all(), 10)).hasSize(1);
    }

    @Test
    void summariesFilterGroupAndWindow() {
        store.append(List.of(
                rec("1", T0, "app_a", "starter", "gemma", 200, 10_000, 10, 20),
                rec("2", T0.plusSeconds(10), "app_a", "starter", "gemma", 429, 2_000, 0, 0),
                rec("3", T0.plusSeconds(20), "app_a", "premium", "llama", 200, 30_000, 100, 200),
                rec("4", T0.plusSeconds(3600), "app_b", "premium", "llama", 200, 50_000, 1000, 2000)));

        final Row total = store.summarize(AnalyticsQuery.all()).get(0);
        assertThat(total).isEqualTo(new Row(List.of(), 4, 1, 1110, 2220, 555, 23.0, 50.0, 11.5));

        final List<Row> byProduct = store.summarize(new AnalyticsQuery(null, null, null, null, null, null,
                                                                       List.of(Dimension.PRODUCT)));
        assertThat(byProduct).extracting(Row::group, Row::requests, Row::errors, Row::inputTokens,
                                         Row::outputTokens)
                             .containsExactly(org.assertj.core.groups.Tuple.tuple(List.of("premium"), 2L, 0L,
                                                                                  1100L, 2200L),
                                              org.assertj.core.groups.Tuple.tuple(List.of("starter"), 2L, 1L, 10L,
                                                                                  20L));

        final List<Row> appA = store.summarize(new AnalyticsQuery("app_a", null, "gemma", "dev_1", null, null,
                                                                  List.of(Dimension.APP, Dimension.MODEL)));
        assertThat(appA).singleElement().satisfies(r -> {
            assertThat(r.group()).containsExactly("app_a", "gemma");
            assertThat(r.requests()).isEqualTo(2);
            assertThat(r.avgLatencyMillis()).isEqualTo(6.0);
        });

        // [T0, T0 + 1 h) leaves out the last record; by hour, two buckets.
        final List<Row> window = store.summarize(new AnalyticsQuery(null, "premium", null, null, T0,
                                                                    T0.plusSeconds(3600), List.of()));
        assertThat(window).singleElement().extracting(Row::requests).isEqualTo(1L);
        final List<Row> byHour = store.summarize(new AnalyticsQuery(null, null, null, null, null, null,
                                                                    List.of(Dimension.HOUR)));
        assertThat(byHour).extracting(Row::group).containsExactlyInAnyOrder(
                List.of("2026-03-10T12:00:00Z"), List.of("2026-03-10T13:00:00Z"));

        assertThat(store.summarize(new AnalyticsQuery("nobody", null, null, null, null, null, List.of())))
                .isEmpty();
        assertThat(store.records(new AnalyticsQuery(null, null, "llama", null, null, null, List.of()), 1))
                .extracting(AnalyticsRecord::id).containsExactly("4");
    }

    @Test
    void badQueriesSaySo() {
        assertThat(catchThrowable(() -> Dimension.parseList("app,colour")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("group by: colour (expected: one or more of app, product, model, developer, key, " +
                            "pool, status, hour, day, separated by commas)");
        assertThat(catchThrowable(() -> new AnalyticsQuery(null, null, null, null, T0, T0, List.of())))
                .hasMessageContaining("is not before until");
        assertThat(catchThrowable(() -> store.records(AnalyticsQuery.all(), 0))).hasMessageContaining("limit");
    }
}

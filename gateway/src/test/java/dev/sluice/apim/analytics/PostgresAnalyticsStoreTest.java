package dev.sluice.apim.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sluice.testing.PostgresServer;

/**
 * The analytics store contract against a real PostgreSQL, one fresh database per test, plus what only a shared
 * server does: replicas writing at once, and a restarted server.
 */
class PostgresAnalyticsStoreTest extends AnalyticsStoreContractTest {

    @RegisterExtension
    static final PostgresServer pg = new PostgresServer();

    private String url;

    @Override
    AnalyticsStore open() {
        url = pg.newDatabase();
        return JdbcAnalyticsStore.postgres(url);
    }

    @Override
    AnalyticsStore reopen() {
        return JdbcAnalyticsStore.postgres(url);
    }

    @Test
    void twoReplicasWriteOneTable() {
        try (AnalyticsStore other = JdbcAnalyticsStore.postgres(url)) {
            final AnalyticsRecord a = rec("a", T0, "app_a", "starter", "gemma", 200, 10, 1, 2);
            final AnalyticsRecord b = rec("b", T0.plusSeconds(1), "app_b", "starter", "gemma", 200, 10, 3, 4);
            store.append(List.of(a));
            other.append(List.of(b));
            // A retried batch that reaches the other replica's store too is still stored once.
            other.append(List.of(a));
            assertThat(store.records(AnalyticsQuery.all(), 10)).containsExactly(b, a);
        }
    }

    @Test
    void aRestartedServerIsPickedUpAgain() {
        store.append(List.of(rec("1", T0, "a", "p", "m", 200, 10, 1, 1)));
        pg.restart();
        // The first call may meet the dead connection; it is then transient and the next call reconnects.
        final Throwable first = catchThrowable(() -> store.append(List.of(rec("2", T0, "a", "p", "m", 200, 10, 1, 1))));
        if (first != null) {
            assertThat(first).isInstanceOf(AnalyticsStoreException.class);
            assertThat(((AnalyticsStoreException) first).isTransient()).isTrue();
            store.append(List.of(rec("2", T0, "a", "p", "m", 200, 10, 1, 1)));
        }
        assertThat(store.records(AnalyticsQuery.all(), 10)).hasSize(2);
    }

    @Test
    void onlyPostgresUrlsAreAcceptedAndPasswordsAreNotShown() {
        assertThatThrownBy(() -> JdbcAnalyticsStore.postgres("jdbc:mysql://db/sluice?password=hunter2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("analytics store URL: jdbc:mysql://db/sluice " +
                            "(expected: jdbc:postgresql://host:port/database?user=…)");
        final String withPassword = url + "&password=hunter2";
        try (AnalyticsStore s = JdbcAnalyticsStore.postgres(withPassword)) {
            assertThat(s.toString()).doesNotContain("hunter2").doesNotContain("user=");
        }
    }
}

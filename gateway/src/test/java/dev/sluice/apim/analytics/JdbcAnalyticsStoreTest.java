package dev.sluice.apim.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The analytics store contract on SQLite (the default: {@code analytics.db} in the data directory). */
class JdbcAnalyticsStoreTest extends AnalyticsStoreContractTest {

    @TempDir
    Path dir;

    @Override
    AnalyticsStore open() {
        return JdbcAnalyticsStore.sqlite(dir);
    }

    @Override
    AnalyticsStore reopen() {
        return JdbcAnalyticsStore.sqlite(dir);
    }

    @Test
    void aLockedDatabaseIsATransientFailure() throws Exception {
        // Another connection holds the write lock past the busy timeout's reach: SQLITE_BUSY.
        try (var other = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("analytics.db"));
             var st = other.createStatement()) {
            st.execute("PRAGMA busy_timeout = 0");
            st.execute("BEGIN EXCLUSIVE");
            final JdbcAnalyticsStore impatient = JdbcAnalyticsStoreTest.withoutBusyTimeout(dir);
            try {
                final Throwable t = catchThrowable(() -> impatient.append(
                        List.of(rec("1", T0, "a", "p", "m", 200, 10, 1, 1))));
                assertThat(t).isInstanceOf(AnalyticsStoreException.class);
                assertThat(((AnalyticsStoreException) t).isTransient()).isTrue();
            } finally {
                impatient.close();
                st.execute("ROLLBACK");
            }
        }
    }

    static JdbcAnalyticsStore withoutBusyTimeout(Path dir) {
        return JdbcAnalyticsStore.jdbc("jdbc:sqlite:" + dir.resolve("analytics.db") + "?busy_timeout=0");
    }
}

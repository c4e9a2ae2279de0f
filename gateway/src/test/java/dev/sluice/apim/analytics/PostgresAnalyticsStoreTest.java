package dev.sluice.apim.analytics;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

import org.junit.jupiter.api.Assumptions;

/**
 * The analytics store contract on PostgreSQL, when {@code SLUICE_TEST_POSTGRES_URL} names a test database (for
 * example {@code jdbc:postgresql://127.0.0.1:55432/postgres?user=postgres}) and the PostgreSQL driver is on the test
 * class path; skipped otherwise. Each test starts from an empty {@code apim_analytics} table.
 */
class PostgresAnalyticsStoreTest extends AnalyticsStoreContractTest {

    static final String URL = System.getenv("SLUICE_TEST_POSTGRES_URL");

    @Override
    AnalyticsStore open() {
        Assumptions.assumeTrue(URL != null && !URL.isBlank(), "SLUICE_TEST_POSTGRES_URL is not set");
        try (Connection c = DriverManager.getConnection(URL); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS apim_analytics");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        return JdbcAnalyticsStore.jdbc(URL, null, null);
    }

    @Override
    AnalyticsStore reopen() {
        return JdbcAnalyticsStore.jdbc(URL, null, null);
    }
}

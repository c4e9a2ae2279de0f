package dev.sluice.apim.analytics;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.store.PostgresKeyStore;

/**
 * An {@link AnalyticsStore} on JDBC, in standard SQL that SQLite and PostgreSQL both run: one table,
 * {@code apim_analytics}, created if absent, with an index on time. Aggregates are computed by the database; the
 * only non-core clause is {@code ON CONFLICT (id) DO NOTHING}, which both support, for idempotent retries.
 *
 * <p>One connection, used under a lock; a connection that failed with a connection-level error is replaced on the
 * next call, so a restarted database is picked up without restarting the gateway.
 */
public final class JdbcAnalyticsStore implements AnalyticsStore {

    /** The SQLite file in a data directory (next to the key store's {@code apim.db}). */
    public static final String FILE_NAME = "analytics.db";

    private static final String COLUMNS =
            "id, ts_micros, request_id, key_id, app_id, developer_id, product, model, target_model, pool, status, " +
            "total_latency_us, upstream_latency_us, input_tokens, output_tokens, cached_tokens, request_bytes, " +
            "response_bytes, error_code";
    private static final String INSERT = "INSERT INTO apim_analytics (" + COLUMNS + ") VALUES " +
                                         "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) " +
                                         "ON CONFLICT (id) DO NOTHING";

    private final String url;
    private final Properties properties;
    private final String description;
    private @Nullable Connection conn;

    private JdbcAnalyticsStore(String url, Properties properties, String description) {
        this.url = url;
        this.properties = properties;
        this.description = description;
    }

    /** Opens (creating if needed) the SQLite store {@value #FILE_NAME} in {@code dataDir}. */
    public static JdbcAnalyticsStore sqlite(Path dataDir) {
        requireNonNull(dataDir, "dataDir");
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dataDir, e);
        }
        final Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        final org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
        config.setJournalMode(org.sqlite.SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(org.sqlite.SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(5000);
        return open("jdbc:sqlite:" + file, config.toProperties(), file.toString());
    }

    /**
     * Opens (creating its table if needed) the store in the PostgreSQL database at {@code jdbcUrl}
     * ({@code jdbc:postgresql://host:port/database?user=…}), with the connection defaults of the PostgreSQL key store;
     * several replicas may write to it at once.
     */
    public static JdbcAnalyticsStore postgres(String jdbcUrl) {
        requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("analytics store URL: " + PostgresKeyStore.redact(jdbcUrl) +
                                               " (expected: jdbc:postgresql://host:port/database?user=…)");
        }
        return open(jdbcUrl, PostgresKeyStore.connectionDefaults(), PostgresKeyStore.redact(jdbcUrl));
    }

    /** Opens the store at any JDBC URL whose driver is on the class path (tests use it for SQLite URL options). */
    static JdbcAnalyticsStore jdbc(String url) {
        requireNonNull(url, "url");
        // The URL may carry a password: describe the store without its parameters.
        return open(url, new Properties(), PostgresKeyStore.redact(url));
    }

    private static JdbcAnalyticsStore open(String url, Properties properties, String description) {
        final JdbcAnalyticsStore store = new JdbcAnalyticsStore(url, properties, description);
        synchronized (store) {
            store.run(c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS apim_analytics (" +
                              "id VARCHAR(64) NOT NULL PRIMARY KEY, ts_micros BIGINT NOT NULL, " +
                              "request_id TEXT NOT NULL, key_id TEXT, app_id TEXT, developer_id TEXT, " +
                              "product TEXT, model TEXT, target_model TEXT, pool TEXT, status INTEGER NOT NULL, " +
                              "total_latency_us BIGINT NOT NULL, upstream_latency_us BIGINT NOT NULL, " +
                              "input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, " +
                              "cached_tokens BIGINT NOT NULL, request_bytes BIGINT NOT NULL, " +
                              "response_bytes BIGINT NOT NULL, error_code TEXT)");
                    s.execute("CREATE INDEX IF NOT EXISTS apim_analytics_ts ON apim_analytics (ts_micros)");
                }
                return null;
            });
        }
        return store;
    }

    @Override
    public synchronized void append(List<AnalyticsRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        run(c -> {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                for (AnalyticsRecord r : records) {
                    int i = 1;
                    ps.setString(i++, r.id());
                    ps.setLong(i++, micros(r.time()));
                    ps.setString(i++, r.requestId());
                    setNullable(ps, i++, r.keyId());
                    setNullable(ps, i++, r.appId());
                    setNullable(ps, i++, r.developerId());
                    setNullable(ps, i++, r.product());
                    setNullable(ps, i++, r.model());
                    setNullable(ps, i++, r.targetModel());
                    setNullable(ps, i++, r.pool());
                    ps.setInt(i++, r.status());
                    ps.setLong(i++, r.totalLatencyMicros());
                    ps.setLong(i++, r.upstreamLatencyMicros());
                    ps.setLong(i++, r.inputTokens());
                    ps.setLong(i++, r.outputTokens());
                    ps.setLong(i++, r.cachedTokens());
                    ps.setLong(i++, r.requestBytes());
                    ps.setLong(i++, r.responseBytes());
                    setNullable(ps, i, r.errorCode());
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            return null;
        });
    }

    @Override
    public synchronized List<AnalyticsQuery.Row> summarize(AnalyticsQuery query) {
        final StringBuilder sql = new StringBuilder("SELECT ");
        for (AnalyticsQuery.Dimension d : query.groupBy()) {
            sql.append(d.column).append(", ");
        }
        sql.append("COUNT(*), SUM(CASE WHEN status >= 400 OR status = 0 THEN 1 ELSE 0 END), SUM(input_tokens), " +
                   "SUM(output_tokens), SUM(cached_tokens), AVG(total_latency_us), MAX(total_latency_us), " +
                   "AVG(CASE WHEN upstream_latency_us > 0 THEN upstream_latency_us END) FROM apim_analytics");
        final List<Object> args = where(query, sql);
        if (!query.groupBy().isEmpty()) {
            sql.append(" GROUP BY ");
            for (int i = 0; i < query.groupBy().size(); i++) {
                sql.append(i > 0 ? ", " : "").append(query.groupBy().get(i).column);
            }
            sql.append(" ORDER BY COUNT(*) DESC");
            for (int i = 0; i < query.groupBy().size(); i++) {
                sql.append(", ").append(i + 1);
            }
        }
        return run(c -> {
            final List<AnalyticsQuery.Row> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        final int n = query.groupBy().size();
                        final List<@Nullable String> group = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            final AnalyticsQuery.Dimension d = query.groupBy().get(i);
                            if (d.isTime()) {
                                group.add(Instant.EPOCH.plusNanos(rs.getLong(i + 1) * 1000).toString());
                            } else {
                                group.add(rs.getString(i + 1));
                            }
                        }
                        final long count = rs.getLong(n + 1);
                        if (count == 0) {
                            continue; // an aggregate over no rows
                        }
                        rows.add(new AnalyticsQuery.Row(group, count, rs.getLong(n + 2), rs.getLong(n + 3),
                                                        rs.getLong(n + 4), rs.getLong(n + 5),
                                                        rs.getDouble(n + 6) / 1000.0, rs.getDouble(n + 7) / 1000.0,
                                                        rs.getDouble(n + 8) / 1000.0));
                    }
                }
            }
            return rows;
        });
    }

    @Override
    public synchronized List<AnalyticsRecord> records(AnalyticsQuery query, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: 1 or more)");
        }
        final StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM apim_analytics");
        final List<Object> args = where(query, sql);
        sql.append(" ORDER BY ts_micros DESC, id LIMIT ").append(limit);
        return run(c -> {
            final List<AnalyticsRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new AnalyticsRecord(
                                rs.getString(1), Instant.EPOCH.plusNanos(rs.getLong(2) * 1000), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                                rs.getString(8), rs.getString(9), rs.getString(10), rs.getInt(11), rs.getLong(12),
                                rs.getLong(13), rs.getLong(14), rs.getLong(15), rs.getLong(16), rs.getLong(17),
                                rs.getLong(18), rs.getString(19)));
                    }
                }
            }
            return out;
        });
    }

    private static List<Object> where(AnalyticsQuery q, StringBuilder sql) {
        final List<Object> args = new ArrayList<>();
        final List<String> conds = new ArrayList<>();
        if (q.app() != null) {
            conds.add("app_id = ?");
            args.add(q.app());
        }
        if (q.product() != null) {
            conds.add("product = ?");
            args.add(q.product());
        }
        if (q.model() != null) {
            conds.add("model = ?");
            args.add(q.model());
        }
        if (q.developer() != null) {
            conds.add("developer_id = ?");
            args.add(q.developer());
        }
        if (q.since() != null) {
            conds.add("ts_micros >= ?");
            args.add(micros(q.since()));
        }
        if (q.until() != null) {
            conds.add("ts_micros < ?");
            args.add(micros(q.until()));
        }
        if (!conds.isEmpty()) {
            sql.append(" WHERE ").append(String.join(" AND ", conds));
        }
        return args;
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            final Object a = args.get(i);
            if (a instanceof Long l) {
                ps.setLong(i + 1, l);
            } else {
                ps.setString(i + 1, (String) a);
            }
        }
    }

    private static void setNullable(PreparedStatement ps, int i, @Nullable String v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.VARCHAR);
        } else {
            ps.setString(i, v);
        }
    }

    private static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000);
    }

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} on the connection, opening it if needed; connection failures drop it for the next call. */
    private <T> T run(Work<T> work) {
        try {
            Connection c = conn;
            if (c == null || c.isClosed()) {
                c = DriverManager.getConnection(url, properties);
                conn = c;
            }
            return work.run(c);
        } catch (SQLException e) {
            final boolean transientFailure = isTransient(e);
            // A connection exception (08), or a server shutting down (57P): reconnect on the next call.
            final String state = String.valueOf(e.getSQLState());
            if (e instanceof SQLRecoverableException || state.startsWith("08") || state.startsWith("57P")) {
                closeQuietly();
            }
            throw new AnalyticsStoreException("analytics store " + description + ": " + e.getMessage(), e,
                                              transientFailure);
        }
    }

    /** Busy or locked SQLite files, lost connections, serialization failures and overloaded servers. */
    static boolean isTransient(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return true;
        }
        final String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.startsWith("40") || state.startsWith("53") ||
                              state.startsWith("57P"))) {
            return true;
        }
        final int sqlite = e.getErrorCode() & 0xff;
        return e.getClass().getName().startsWith("org.sqlite") && (sqlite == 5 || sqlite == 6);
    }

    private void closeQuietly() {
        final Connection c = conn;
        conn = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Already broken.
            }
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }

    @Override
    public String toString() {
        return "JdbcAnalyticsStore{" + description + '}';
    }
}

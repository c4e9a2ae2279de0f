package dev.sluice.apim.store;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Properties;

import org.jspecify.annotations.Nullable;

/**
 * A {@link KeyStore} in PostgreSQL, for several gateway replicas (and the {@code sluice keys|apps|developers}
 * commands) sharing one set of developers, apps and keys. Chosen by a JDBC URL such as
 * {@code jdbc:postgresql://db:5432/sluice?user=sluice&password=…}; the database must exist, the schema is created
 * and upgraded by {@link #MIGRATIONS}.
 *
 * <p>The behaviour is {@link SqliteKeyStore}'s (see {@link JdbcKeyStore}); what differs is PostgreSQL's:
 * <ul>
 *   <li>migrations run under a transaction-scoped advisory lock, so replicas starting together apply each step
 *       once;</li>
 *   <li>every write first locks the one {@code store_revision} row ({@code SELECT … FOR UPDATE}), which serializes
 *       writes as SQLite does: checks such as "email already taken" cannot race, and revisions commit in order, so
 *       the change feed that keeps every replica's cache exact misses nothing;</li>
 *   <li>one connection serves this instance (the gateway calls the store from a single thread, behind its
 *       {@link CredentialCache}, never from an event loop); it has connect and socket timeouts, and is opened again
 *       on the next call after a connection failure, so a database restart heals by itself.</li>
 * </ul>
 */
public final class PostgresKeyStore extends JdbcKeyStore {

    /** Keeps two processes from migrating the same database at once ("sluice" in ASCII). */
    private static final long MIGRATION_LOCK = 0x736c75696365L;

    /** Every schema step, oldest first. */
    public static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "developers, apps, app products, API keys and the change revision", List.of(
                    """
                    CREATE TABLE developers (
                      seq BIGINT GENERATED ALWAYS AS IDENTITY,
                      id TEXT PRIMARY KEY,
                      email TEXT NOT NULL UNIQUE,
                      first_name TEXT,
                      last_name TEXT,
                      status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
                      created_at BIGINT NOT NULL,
                      revision BIGINT NOT NULL)""",
                    """
                    CREATE TABLE apps (
                      seq BIGINT GENERATED ALWAYS AS IDENTITY,
                      id TEXT PRIMARY KEY,
                      developer_id TEXT NOT NULL REFERENCES developers(id),
                      name TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('approved', 'revoked')),
                      created_at BIGINT NOT NULL,
                      revision BIGINT NOT NULL,
                      UNIQUE (developer_id, name))""",
                    """
                    CREATE TABLE app_products (
                      app_id TEXT NOT NULL REFERENCES apps(id),
                      position INTEGER NOT NULL,
                      product TEXT NOT NULL,
                      PRIMARY KEY (app_id, position))""",
                    """
                    CREATE TABLE api_keys (
                      seq BIGINT GENERATED ALWAYS AS IDENTITY,
                      id TEXT PRIMARY KEY,
                      app_id TEXT NOT NULL REFERENCES apps(id),
                      key_hash BYTEA NOT NULL UNIQUE,
                      hint TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('approved', 'revoked')),
                      created_at BIGINT NOT NULL,
                      expires_at BIGINT,
                      last_used_at BIGINT,
                      revision BIGINT NOT NULL)""",
                    "CREATE INDEX api_keys_app ON api_keys (app_id)",
                    "CREATE INDEX api_keys_revision ON api_keys (revision)",
                    "CREATE INDEX apps_developer ON apps (developer_id)",
                    """
                    CREATE TABLE store_revision (
                      id INTEGER PRIMARY KEY CHECK (id = 0),
                      value BIGINT NOT NULL)""",
                    "INSERT INTO store_revision (id, value) VALUES (0, 0)")),
            new Migration(2, "index the change revision of apps and developers, for the sync query", List.of(
                    "CREATE INDEX apps_revision ON apps (revision)",
                    "CREATE INDEX developers_revision ON developers (revision)")));

    private final String url;
    private final Properties properties;
    private @Nullable Connection conn;

    private PostgresKeyStore(String url, Clock clock) {
        super(clock, redact(url));
        this.url = url;
        properties = connectionDefaults();
    }

    /**
     * Returns the connection properties Sluice's PostgreSQL stores (keys and analytics) use unless the URL sets
     * them: 5 s connect and 30 s socket timeouts and TCP keepalive, so a dead server fails a call rather than hanging
     * the store's thread.
     */
    public static Properties connectionDefaults() {
        final Properties p = new Properties();
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "30");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "sluice");
        return p;
    }

    /** Opens the store at {@code jdbcUrl} ({@code jdbc:postgresql://…}), creating and migrating its schema. */
    public static PostgresKeyStore open(String jdbcUrl, Clock clock) {
        requireNonNull(jdbcUrl, "jdbcUrl");
        requireNonNull(clock, "clock");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("key store URL: " + redact(jdbcUrl) +
                                               " (expected: jdbc:postgresql://host:port/database?user=…)");
        }
        final PostgresKeyStore store = new PostgresKeyStore(jdbcUrl, clock);
        try {
            store.migrate();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /** Returns the URL without its parameters (which may hold a password), for messages. */
    public static String redact(String jdbcUrl) {
        final int q = jdbcUrl.indexOf('?');
        final String base = q < 0 ? jdbcUrl : jdbcUrl.substring(0, q);
        // jdbc:postgresql://user:password@host/db is not a pgjdbc form, but cut any user info all the same.
        return base.replaceFirst("//[^/@]*@", "//");
    }

    @Override
    Connection connection() throws SQLException {
        Connection c = conn;
        if (c == null || c.isClosed()) {
            c = DriverManager.getConnection(url, properties);
            conn = c;
        }
        return c;
    }

    @Override
    void broken(SQLException e) {
        // SQLSTATE class 08 is a connection exception; 57P0x is a server shutting down. Reconnect next time.
        final String state = e.getSQLState();
        if (state == null || state.startsWith("08") || state.startsWith("57P")) {
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
    }

    @Override
    void closeConnection() throws SQLException {
        final Connection c = conn;
        conn = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    List<Migration> migrations() {
        return MIGRATIONS;
    }

    @Override
    String orderColumn() {
        return "seq";
    }

    @Override
    String greatest() {
        return "GREATEST";
    }

    @Override
    void lockForMigration(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
        }
    }

    @Override
    void lockForWrite(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT value FROM store_revision WHERE id = 0 FOR UPDATE");
        }
    }
}

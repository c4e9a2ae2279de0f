package dev.sluice.apim.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;

import org.sqlite.SQLiteConfig;

/**
 * A {@link KeyStore} in one SQLite file ({@value #FILE_NAME} in a data directory), shared safely by the gateway and
 * the {@code sluice keys|apps|developers} commands running as other processes.
 *
 * <p>The schema is created and upgraded by {@link #MIGRATIONS} (see {@link JdbcKeyStore}); every transaction is an
 * immediate one, which takes SQLite's write lock at its start, so two processes opening a new file at once cannot
 * both migrate and writes are serialized. The file uses write-ahead logging and waits up to five seconds for another
 * writer. One connection serves this instance.
 */
public final class SqliteKeyStore extends JdbcKeyStore {

    /** The database file's name in the data directory. */
    public static final String FILE_NAME = "apim.db";

    /** Every schema step, oldest first. */
    public static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "developers, apps, app products, API keys and the change revision", List.of(
                    """
                    CREATE TABLE developers (
                      id TEXT PRIMARY KEY,
                      email TEXT NOT NULL UNIQUE,
                      first_name TEXT,
                      last_name TEXT,
                      status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
                      created_at INTEGER NOT NULL,
                      revision INTEGER NOT NULL)""",
                    """
                    CREATE TABLE apps (
                      id TEXT PRIMARY KEY,
                      developer_id TEXT NOT NULL REFERENCES developers(id),
                      name TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('approved', 'revoked')),
                      created_at INTEGER NOT NULL,
                      revision INTEGER NOT NULL,
                      UNIQUE (developer_id, name))""",
                    """
                    CREATE TABLE app_products (
                      app_id TEXT NOT NULL REFERENCES apps(id),
                      position INTEGER NOT NULL,
                      product TEXT NOT NULL,
                      PRIMARY KEY (app_id, position))""",
                    """
                    CREATE TABLE api_keys (
                      id TEXT PRIMARY KEY,
                      app_id TEXT NOT NULL REFERENCES apps(id),
                      key_hash BLOB NOT NULL UNIQUE,
                      hint TEXT NOT NULL,
                      status TEXT NOT NULL CHECK (status IN ('approved', 'revoked')),
                      created_at INTEGER NOT NULL,
                      expires_at INTEGER,
                      last_used_at INTEGER,
                      revision INTEGER NOT NULL)""",
                    "CREATE INDEX api_keys_app ON api_keys (app_id)",
                    "CREATE INDEX api_keys_revision ON api_keys (revision)",
                    "CREATE INDEX apps_developer ON apps (developer_id)",
                    """
                    CREATE TABLE store_revision (
                      id INTEGER PRIMARY KEY CHECK (id = 0),
                      value INTEGER NOT NULL)""",
                    "INSERT INTO store_revision (id, value) VALUES (0, 0)")),
            new Migration(2, "index the change revision of apps and developers, for the sync query", List.of(
                    "CREATE INDEX apps_revision ON apps (revision)",
                    "CREATE INDEX developers_revision ON developers (revision)")));

    private final Connection conn;
    private final Path file;

    private SqliteKeyStore(Connection conn, Clock clock, Path file) {
        super(clock, file.toString());
        this.conn = conn;
        this.file = file;
    }

    /** Opens (creating and migrating as needed) the store in {@code dataDir}. */
    public static SqliteKeyStore open(Path dataDir, Clock clock) {
        requireNonNull(dataDir, "dataDir");
        requireNonNull(clock, "clock");
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data directory " + dataDir, e);
        }
        final Path file = dataDir.resolve(FILE_NAME).toAbsolutePath();
        final SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(5000);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        try {
            final Connection conn = DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
            final SqliteKeyStore store = new SqliteKeyStore(conn, clock, file);
            try {
                store.migrate();
            } catch (RuntimeException e) {
                conn.close();
                throw e;
            }
            return store;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the key store " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns the database file. */
    public Path file() {
        return file;
    }

    @Override
    Connection connection() {
        return conn;
    }

    @Override
    void closeConnection() throws SQLException {
        conn.close();
    }

    @Override
    List<Migration> migrations() {
        return MIGRATIONS;
    }

    @Override
    String orderColumn() {
        return "rowid";
    }

    @Override
    String greatest() {
        return "MAX";
    }

    @Override
    void lockForMigration(Connection c) {
        // The immediate transaction holds SQLite's write lock already.
    }

    @Override
    void lockForWrite(Connection c) {
        // As above.
    }
}

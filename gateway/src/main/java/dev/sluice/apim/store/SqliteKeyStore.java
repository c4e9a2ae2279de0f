package dev.sluice.apim.store;

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
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConfig;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;
import dev.sluice.apim.Credential;
import dev.sluice.apim.Developer;

/**
 * A {@link KeyStore} in one SQLite file ({@value #FILE_NAME} in a data directory), shared safely by the gateway and
 * the {@code sluice keys|apps|developers} commands running as other processes.
 *
 * <p>The schema is created and upgraded by {@link #MIGRATIONS}, applied in order inside one immediate transaction
 * each and recorded in {@code schema_migrations}, so two processes opening a new file at once cannot both migrate.
 * The file uses write-ahead logging and waits up to five seconds for another writer. One connection serves this
 * instance and methods are synchronized; the gateway calls them from a single store thread anyway.
 */
public final class SqliteKeyStore implements KeyStore {

    /** The database file's name in the data directory. */
    public static final String FILE_NAME = "apim.db";

    /** One schema step. Versions start at 1 and increase by one; a released step is never edited. */
    public record Migration(int version, String description, List<String> statements) {}

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
                    "INSERT INTO store_revision (id, value) VALUES (0, 0)")));

    private static final String CREDENTIAL_SELECT =
            "SELECT k.id, k.app_id, k.hint, k.status, k.created_at, k.expires_at, k.last_used_at, k.key_hash, " +
            "a.developer_id, a.name, a.status, a.created_at, " +
            "d.email, d.first_name, d.last_name, d.status, d.created_at " +
            "FROM api_keys k JOIN apps a ON a.id = k.app_id JOIN developers d ON d.id = a.developer_id ";

    private final Connection conn;
    private final Clock clock;
    private final Path file;

    private SqliteKeyStore(Connection conn, Clock clock, Path file) {
        this.conn = conn;
        this.clock = clock;
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

    /** Returns the schema version this file is at. */
    public synchronized int schemaVersion() {
        try (Statement s = conn.createStatement();
             ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) {
            return rs.next() ? rs.getInt(1) : 0;
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private synchronized void migrate() {
        write(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, " +
                          "description TEXT NOT NULL, applied_at INTEGER NOT NULL)");
            }
            return null;
        });
        final int current = schemaVersion();
        final int latest = MIGRATIONS.get(MIGRATIONS.size() - 1).version();
        if (current > latest) {
            throw new IllegalStateException("key store " + file + " is at schema version " + current +
                                            ", newer than this Sluice knows (" + latest + "); upgrade Sluice");
        }
        for (Migration m : MIGRATIONS) {
            write(c -> {
                // Checked again inside the transaction: another process may have applied it meanwhile.
                try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM schema_migrations WHERE version = ?")) {
                    q.setInt(1, m.version());
                    try (ResultSet rs = q.executeQuery()) {
                        if (rs.next()) {
                            return null;
                        }
                    }
                }
                try (Statement s = c.createStatement()) {
                    for (String sql : m.statements()) {
                        s.execute(sql);
                    }
                }
                try (PreparedStatement ins = c.prepareStatement(
                        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)")) {
                    ins.setInt(1, m.version());
                    ins.setString(2, m.description());
                    ins.setLong(3, clock.millis());
                    ins.executeUpdate();
                }
                return null;
            });
        }
    }

    /* ------------------------------------------------------------------------------------------ developers */

    @Override
    public synchronized Developer createDeveloper(String email, @Nullable String firstName,
                                                  @Nullable String lastName) {
        requireNonNull(email, "email");
        checkNotBlank(email, "email");
        return write(c -> {
            if (findDeveloper(c, email).isPresent()) {
                throw new IllegalArgumentException("developer already exists: " + email);
            }
            final long rev = nextRevision(c);
            final Developer d = new Developer(ApiKeys.newId("dev"), email, firstName, lastName,
                                              Developer.Status.ACTIVE, now());
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO developers (id, email, first_name, last_name, status, created_at, revision) " +
                    "VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                p.setString(1, d.id());
                p.setString(2, d.email());
                p.setString(3, firstName);
                p.setString(4, lastName);
                p.setString(5, d.status().wireName());
                p.setLong(6, d.createdAt().toEpochMilli());
                p.setLong(7, rev);
                p.executeUpdate();
            }
            return d;
        });
    }

    @Override
    public synchronized Optional<Developer> developer(String idOrEmail) {
        return read(c -> findDeveloper(c, idOrEmail));
    }

    @Override
    public synchronized List<Developer> developers() {
        return read(c -> {
            final List<Developer> out = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT id, email, first_name, last_name, status, created_at FROM developers " +
                    "ORDER BY created_at, rowid");
                 ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(developerRow(rs));
                }
            }
            return out;
        });
    }

    @Override
    public synchronized Developer setDeveloperStatus(String idOrEmail, Developer.Status status) {
        requireNonNull(status, "status");
        return write(c -> {
            final Developer d = findDeveloper(c, idOrEmail).orElseThrow(() -> notFound("developer", idOrEmail));
            final long rev = nextRevision(c);
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE developers SET status = ?, revision = ? WHERE id = ?")) {
                p.setString(1, status.wireName());
                p.setLong(2, rev);
                p.setString(3, d.id());
                p.executeUpdate();
            }
            return new Developer(d.id(), d.email(), d.firstName(), d.lastName(), status, d.createdAt());
        });
    }

    private static Optional<Developer> findDeveloper(Connection c, String idOrEmail) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "SELECT id, email, first_name, last_name, status, created_at FROM developers " +
                "WHERE id = ? OR email = ?")) {
            p.setString(1, idOrEmail);
            p.setString(2, idOrEmail);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(developerRow(rs)) : Optional.empty();
            }
        }
    }

    private static Developer developerRow(ResultSet rs) throws SQLException {
        return new Developer(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                             Developer.Status.valueOf(rs.getString(5).toUpperCase(java.util.Locale.ROOT)),
                             Instant.ofEpochMilli(rs.getLong(6)));
    }

    /* ------------------------------------------------------------------------------------------ apps */

    @Override
    public synchronized App createApp(String developerIdOrEmail, String name, List<String> products) {
        requireNonNull(name, "name");
        checkNotBlank(name, "name");
        final List<String> productList = checkProducts(products);
        return write(c -> {
            final Developer d = findDeveloper(c, developerIdOrEmail)
                    .orElseThrow(() -> notFound("developer", developerIdOrEmail));
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT 1 FROM apps WHERE developer_id = ? AND name = ?")) {
                p.setString(1, d.id());
                p.setString(2, name);
                try (ResultSet rs = p.executeQuery()) {
                    if (rs.next()) {
                        throw new IllegalArgumentException("app already exists for " + d.email() + ": " + name);
                    }
                }
            }
            final long rev = nextRevision(c);
            final App app = new App(ApiKeys.newId("app"), d.id(), name, App.Status.APPROVED, productList, now());
            try (PreparedStatement p = c.prepareStatement(
                    "INSERT INTO apps (id, developer_id, name, status, created_at, revision) " +
                    "VALUES (?, ?, ?, ?, ?, ?)")) {
                p.setString(1, app.id());
                p.setString(2, app.developerId());
                p.setString(3, app.name());
                p.setString(4, app.status().wireName());
                p.setLong(5, app.createdAt().toEpochMilli());
                p.setLong(6, rev);
                p.executeUpdate();
            }
            insertProducts(c, app.id(), productList);
            return app;
        });
    }

    @Override
    public synchronized Optional<App> app(String id) {
        return read(c -> findApp(c, id));
    }

    @Override
    public synchronized List<App> apps(@Nullable String developerIdOrEmail) {
        return read(c -> {
            String developerId = null;
            if (developerIdOrEmail != null) {
                developerId = findDeveloper(c, developerIdOrEmail)
                        .orElseThrow(() -> notFound("developer", developerIdOrEmail)).id();
            }
            final List<App> out = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT id, developer_id, name, status, created_at FROM apps " +
                    (developerId != null ? "WHERE developer_id = ? " : "") + "ORDER BY created_at, rowid")) {
                if (developerId != null) {
                    p.setString(1, developerId);
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(appRow(c, rs));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public synchronized App setAppStatus(String appId, App.Status status) {
        requireNonNull(status, "status");
        return write(c -> {
            final App app = findApp(c, appId).orElseThrow(() -> notFound("app", appId));
            final long rev = nextRevision(c);
            try (PreparedStatement p = c.prepareStatement("UPDATE apps SET status = ?, revision = ? WHERE id = ?")) {
                p.setString(1, status.wireName());
                p.setLong(2, rev);
                p.setString(3, app.id());
                p.executeUpdate();
            }
            return new App(app.id(), app.developerId(), app.name(), status, app.products(), app.createdAt());
        });
    }

    @Override
    public synchronized App setAppProducts(String appId, List<String> products) {
        final List<String> productList = checkProducts(products);
        return write(c -> {
            final App app = findApp(c, appId).orElseThrow(() -> notFound("app", appId));
            final long rev = nextRevision(c);
            try (PreparedStatement p = c.prepareStatement("DELETE FROM app_products WHERE app_id = ?")) {
                p.setString(1, app.id());
                p.executeUpdate();
            }
            insertProducts(c, app.id(), productList);
            try (PreparedStatement p = c.prepareStatement("UPDATE apps SET revision = ? WHERE id = ?")) {
                p.setLong(1, rev);
                p.setString(2, app.id());
                p.executeUpdate();
            }
            return new App(app.id(), app.developerId(), app.name(), app.status(), productList, app.createdAt());
        });
    }

    private static void insertProducts(Connection c, String appId, List<String> products) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO app_products (app_id, position, product) VALUES (?, ?, ?)")) {
            for (int i = 0; i < products.size(); i++) {
                p.setString(1, appId);
                p.setInt(2, i);
                p.setString(3, products.get(i));
                p.addBatch();
            }
            p.executeBatch();
        }
    }

    private static Optional<App> findApp(Connection c, String id) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "SELECT id, developer_id, name, status, created_at FROM apps WHERE id = ?")) {
            p.setString(1, id);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(appRow(c, rs)) : Optional.empty();
            }
        }
    }

    private static App appRow(Connection c, ResultSet rs) throws SQLException {
        final String id = rs.getString(1);
        return new App(id, rs.getString(2), rs.getString(3), App.Status.valueOf(upper(rs.getString(4))),
                       products(c, id), Instant.ofEpochMilli(rs.getLong(5)));
    }

    private static List<String> products(Connection c, String appId) throws SQLException {
        final List<String> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement(
                "SELECT product FROM app_products WHERE app_id = ? ORDER BY position")) {
            p.setString(1, appId);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /* ------------------------------------------------------------------------------------------ keys */

    @Override
    public synchronized CreatedKey createKey(String appId, @Nullable Instant expiresAt) {
        requireNonNull(appId, "appId");
        return write(c -> {
            final App app = findApp(c, appId).orElseThrow(() -> notFound("app", appId));
            return insertKey(c, app.id(), expiresAt, nextRevision(c));
        });
    }

    private CreatedKey insertKey(Connection c, String appId, @Nullable Instant expiresAt, long rev)
            throws SQLException {
        final String secret = ApiKeys.newKey();
        final ApiKey key = new ApiKey(ApiKeys.newId("key"), appId, ApiKeys.hint(secret), ApiKey.Status.APPROVED,
                                      now(), millis(expiresAt), null);
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO api_keys (id, app_id, key_hash, hint, status, created_at, expires_at, revision) " +
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, key.id());
            p.setString(2, appId);
            p.setBytes(3, ApiKeys.hash(secret));
            p.setString(4, key.hint());
            p.setString(5, key.status().wireName());
            p.setLong(6, key.createdAt().toEpochMilli());
            setInstant(p, 7, key.expiresAt());
            p.setLong(8, rev);
            p.executeUpdate();
        }
        return new CreatedKey(key, secret);
    }

    @Override
    public synchronized Optional<ApiKey> key(String keyId) {
        return read(c -> findKey(c, keyId));
    }

    @Override
    public synchronized List<ApiKey> keys(@Nullable String appId) {
        return read(c -> {
            final List<ApiKey> out = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT id, app_id, hint, status, created_at, expires_at, last_used_at FROM api_keys " +
                    (appId != null ? "WHERE app_id = ? " : "") + "ORDER BY created_at, rowid")) {
                if (appId != null) {
                    p.setString(1, appId);
                }
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(keyRow(rs, 1));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public synchronized ApiKey setKeyStatus(String keyId, ApiKey.Status status) {
        requireNonNull(status, "status");
        return write(c -> {
            final ApiKey k = findKey(c, keyId).orElseThrow(() -> notFound("key", keyId));
            final long rev = nextRevision(c);
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE api_keys SET status = ?, revision = ? WHERE id = ?")) {
                p.setString(1, status.wireName());
                p.setLong(2, rev);
                p.setString(3, k.id());
                p.executeUpdate();
            }
            return new ApiKey(k.id(), k.appId(), k.hint(), status, k.createdAt(), k.expiresAt(), k.lastUsedAt());
        });
    }

    @Override
    public synchronized CreatedKey rotateKey(String keyId, @Nullable Instant newKeyExpiresAt,
                                             @Nullable Instant oldKeyExpiresAt) {
        return write(c -> {
            final ApiKey old = findKey(c, keyId).orElseThrow(() -> notFound("key", keyId));
            final long rev = nextRevision(c);
            if (oldKeyExpiresAt == null) {
                try (PreparedStatement p = c.prepareStatement(
                        "UPDATE api_keys SET status = 'revoked', revision = ? WHERE id = ?")) {
                    p.setLong(1, rev);
                    p.setString(2, old.id());
                    p.executeUpdate();
                }
            } else {
                final Instant until = old.expiresAt() != null && old.expiresAt().isBefore(oldKeyExpiresAt)
                                      ? old.expiresAt() : oldKeyExpiresAt;
                try (PreparedStatement p = c.prepareStatement(
                        "UPDATE api_keys SET expires_at = ?, revision = ? WHERE id = ?")) {
                    p.setLong(1, until.toEpochMilli());
                    p.setLong(2, rev);
                    p.setString(3, old.id());
                    p.executeUpdate();
                }
            }
            return insertKey(c, old.appId(), newKeyExpiresAt, rev);
        });
    }

    @Override
    public synchronized Optional<Credential> credential(byte[] keyHash) {
        requireNonNull(keyHash, "keyHash");
        return read(c -> {
            try (PreparedStatement p = c.prepareStatement(CREDENTIAL_SELECT + "WHERE k.key_hash = ?")) {
                p.setBytes(1, keyHash);
                try (ResultSet rs = p.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<Credential>empty();
                    }
                    final ApiKey key = keyRow(rs, 1);
                    final byte[] hash = rs.getBytes(8);
                    final String developerId = rs.getString(9);
                    final App app = new App(key.appId(), developerId, rs.getString(10),
                                            App.Status.valueOf(upper(rs.getString(11))), products(c, key.appId()),
                                            Instant.ofEpochMilli(rs.getLong(12)));
                    final Developer dev = new Developer(developerId, rs.getString(13), rs.getString(14),
                                                        rs.getString(15),
                                                        Developer.Status.valueOf(upper(rs.getString(16))),
                                                        Instant.ofEpochMilli(rs.getLong(17)));
                    return Optional.of(new Credential(key, hash, app, dev));
                }
            }
        });
    }

    @Override
    public synchronized void recordUse(Map<String, Instant> lastUsedByKeyId) {
        if (lastUsedByKeyId.isEmpty()) {
            return;
        }
        write(c -> {
            try (PreparedStatement p = c.prepareStatement(
                    "UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?")) {
                for (Map.Entry<String, Instant> e : lastUsedByKeyId.entrySet()) {
                    p.setLong(1, e.getValue().toEpochMilli());
                    p.setString(2, e.getKey());
                    p.addBatch();
                }
                p.executeBatch();
            }
            return null;
        });
    }

    private static Optional<ApiKey> findKey(Connection c, String keyId) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "SELECT id, app_id, hint, status, created_at, expires_at, last_used_at FROM api_keys WHERE id = ?")) {
            p.setString(1, keyId);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(keyRow(rs, 1)) : Optional.empty();
            }
        }
    }

    private static ApiKey keyRow(ResultSet rs, int from) throws SQLException {
        return new ApiKey(rs.getString(from), rs.getString(from + 1), rs.getString(from + 2),
                          ApiKey.Status.valueOf(upper(rs.getString(from + 3))),
                          Instant.ofEpochMilli(rs.getLong(from + 4)), instant(rs, from + 5), instant(rs, from + 6));
    }

    /* ------------------------------------------------------------------------------------------ changes */

    @Override
    public synchronized long revision() {
        return read(SqliteKeyStore::currentRevision);
    }

    @Override
    public synchronized Changes changesSince(long revision) {
        return read(c -> {
            // The revision is read first: a change committed before it is visible to the query below, and one
            // committed after it has a higher revision, so the next call sees it. Nothing is missed.
            final long current = currentRevision(c);
            final List<byte[]> hashes = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT k.key_hash FROM api_keys k JOIN apps a ON a.id = k.app_id " +
                    "JOIN developers d ON d.id = a.developer_id " +
                    "WHERE k.revision > ? OR a.revision > ? OR d.revision > ?")) {
                p.setLong(1, revision);
                p.setLong(2, revision);
                p.setLong(3, revision);
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        hashes.add(rs.getBytes(1));
                    }
                }
            }
            return new Changes(current, hashes);
        });
    }

    private static long currentRevision(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT value FROM store_revision WHERE id = 0")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static long nextRevision(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE store_revision SET value = value + 1 WHERE id = 0");
        }
        return currentRevision(c);
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    /* ------------------------------------------------------------------------------------------ plumbing */

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(SqlWork<T> work) {
        try {
            return work.run(conn);
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private <T> T write(SqlWork<T> work) {
        try {
            conn.setAutoCommit(false);
            try {
                final T result = work.run(conn);
                conn.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure(e);
        }
    }

    private IllegalStateException failure(SQLException e) {
        return new IllegalStateException("key store " + file + ": " + e.getMessage(), e);
    }

    private Instant now() {
        // Stored as milliseconds: round here so that what is returned equals what is read back.
        return Instant.ofEpochMilli(clock.millis());
    }

    static NoSuchElementException notFound(String what, String id) {
        return new NoSuchElementException(what + " not found: " + id);
    }

    static void checkNotBlank(String value, String name) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + ": (empty) (expected: a non-blank value)");
        }
    }

    static List<String> checkProducts(List<String> products) {
        requireNonNull(products, "products");
        final Map<String, Boolean> seen = new LinkedHashMap<>();
        for (String p : products) {
            requireNonNull(p, "product");
            checkNotBlank(p, "product");
            if (seen.put(p, true) != null) {
                throw new IllegalArgumentException("products: " + p + " listed twice (expected: each once)");
            }
        }
        return List.copyOf(products);
    }

    private static String upper(String s) {
        return s.toUpperCase(java.util.Locale.ROOT);
    }

    /** Returns {@code t} cut to milliseconds, the precision stored. */
    static @Nullable Instant millis(@Nullable Instant t) {
        return t == null ? null : Instant.ofEpochMilli(t.toEpochMilli());
    }

    private static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
        final long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static void setInstant(PreparedStatement p, int index, @Nullable Instant value) throws SQLException {
        if (value == null) {
            p.setNull(index, Types.INTEGER);
        } else {
            p.setLong(index, value.toEpochMilli());
        }
    }
}

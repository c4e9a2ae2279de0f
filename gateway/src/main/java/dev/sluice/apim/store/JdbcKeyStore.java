package dev.sluice.apim.store;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
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

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;
import dev.sluice.apim.Credential;
import dev.sluice.apim.Developer;

/**
 * A {@link KeyStore} over JDBC, in the SQL that SQLite and PostgreSQL share; {@link SqliteKeyStore} and
 * {@link PostgresKeyStore} supply the connection, the schema and the few words that differ, so that both behave
 * the same (both pass {@code KeyStoreContractTest}).
 *
 * <p>The schema is created and upgraded by the subclass's {@link Migration}s, applied in order at startup, each in
 * its own transaction under a lock that keeps two processes from applying the same step, and recorded in
 * {@code schema_migrations} (version, description, when). Every write runs in a transaction that first takes the
 * store's write lock, so writes are serialized as SQLite serializes them, and revisions commit in order. Methods
 * are synchronized: the gateway calls them from one store thread anyway.
 */
abstract class JdbcKeyStore implements KeyStore {

    private static final String CREDENTIAL_SELECT =
            "SELECT k.id, k.app_id, k.hint, k.status, k.created_at, k.expires_at, k.last_used_at, k.key_hash, " +
            "a.developer_id, a.name, a.status, a.created_at, " +
            "d.email, d.first_name, d.last_name, d.status, d.created_at " +
            "FROM api_keys k JOIN apps a ON a.id = k.app_id JOIN developers d ON d.id = a.developer_id ";

    private final Clock clock;
    /** How errors name this store (no credentials). */
    private final String name;

    JdbcKeyStore(Clock clock, String name) {
        this.clock = requireNonNull(clock, "clock");
        this.name = requireNonNull(name, "name");
    }

    /** Returns the connection to use now, opening it again if it broke. */
    abstract Connection connection() throws SQLException;

    /** Closes the connection. */
    abstract void closeConnection() throws SQLException;

    /** Returns every schema step, oldest first. */
    abstract List<Migration> migrations();

    /** Returns the column that orders rows created in the same millisecond by insertion. */
    abstract String orderColumn();

    /** Returns the SQL function giving the larger of two values. */
    abstract String greatest();

    /** Takes the lock that keeps two processes from migrating at once, inside the migration's transaction. */
    abstract void lockForMigration(Connection c) throws SQLException;

    /** Takes the store's write lock inside a write transaction. */
    abstract void lockForWrite(Connection c) throws SQLException;

    /** Called with a failure, to drop a connection that can no longer be used. */
    void broken(SQLException e) {}

    /** Returns the schema version this store is at. */
    public synchronized int schemaVersion() {
        return read(c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        });
    }

    /** Brings the schema to the latest version; refuses a schema newer than this code knows. */
    final synchronized void migrate() {
        final List<Migration> steps = migrations();
        final int latest = steps.get(steps.size() - 1).version();
        transaction(c -> {
            lockForMigration(c);
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, " +
                          "description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            }
            return null;
        });
        final int current = schemaVersion();
        if (current > latest) {
            throw new IllegalStateException("key store " + name + " is at schema version " + current +
                                            ", newer than this Sluice knows (" + latest + "); upgrade Sluice");
        }
        for (Migration m : steps) {
            transaction(c -> {
                lockForMigration(c);
                // Checked again under the lock: another process may have applied it meanwhile.
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
                    "ORDER BY created_at, " + orderColumn());
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
                    (developerId != null ? "WHERE developer_id = ? " : "") + "ORDER BY created_at, " + orderColumn())) {
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
                    (appId != null ? "WHERE app_id = ? " : "") + "ORDER BY created_at, " + orderColumn())) {
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
                    "UPDATE api_keys SET last_used_at = " + greatest() + "(COALESCE(last_used_at, 0), ?) WHERE id = ?")) {
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
        return read(JdbcKeyStore::currentRevision);
    }

    @Override
    public synchronized Changes changesSince(long revision) {
        return read(c -> {
            // The revision is read first: a change committed before it is visible to the query below, and one
            // committed after it has a higher revision, so the next call sees it. Nothing is missed.
            final long current = currentRevision(c);
            final List<byte[]> hashes = new ArrayList<>();
            // Three range scans on the revision indexes (schema version 2) rather than one join with an OR, which
            // reads every key: every replica runs this once per sync interval.
            try (PreparedStatement p = c.prepareStatement(
                    "SELECT k.key_hash FROM api_keys k WHERE k.revision > ? " +
                    "UNION SELECT k.key_hash FROM api_keys k JOIN apps a ON a.id = k.app_id WHERE a.revision > ? " +
                    "UNION SELECT k.key_hash FROM api_keys k JOIN apps a ON a.id = k.app_id " +
                    "JOIN developers d ON d.id = a.developer_id WHERE d.revision > ?")) {
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
            closeConnection();
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
            return work.run(connection());
        } catch (SQLException e) {
            broken(e);
            throw failure(e);
        }
    }

    /** Runs {@code work} in a transaction that holds the store's write lock (see {@link #lockForWrite}). */
    private <T> T write(SqlWork<T> work) {
        return transaction(c -> {
            lockForWrite(c);
            return work.run(c);
        });
    }

    private <T> T transaction(SqlWork<T> work) {
        try {
            final Connection conn = connection();
            conn.setAutoCommit(false);
            try {
                final T result = work.run(conn);
                conn.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    conn.rollback();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            } finally {
                if (!conn.isClosed()) {
                    conn.setAutoCommit(true);
                }
            }
        } catch (SQLException e) {
            broken(e);
            throw failure(e);
        }
    }

    private IllegalStateException failure(SQLException e) {
        return new IllegalStateException("key store " + name + ": " + e.getMessage(), e);
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
            p.setNull(index, Types.BIGINT);
        } else {
            p.setLong(index, value.toEpochMilli());
        }
    }
}

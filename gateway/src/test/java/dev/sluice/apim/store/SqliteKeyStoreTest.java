package dev.sluice.apim.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;

class SqliteKeyStoreTest extends KeyStoreContractTest {

    @TempDir
    Path dir;

    @Override
    protected KeyStore newStore(Clock clock) {
        return SqliteKeyStore.open(dir.resolve("data"), clock);
    }

    @Test
    void schemaIsMigratedOnceAndRecorded() throws Exception {
        final SqliteKeyStore sqlite = (SqliteKeyStore) store;
        assertThat(sqlite.schemaVersion()).isEqualTo(SqliteKeyStore.MIGRATIONS.size()).isEqualTo(2);
        store.close();
        // Opening again applies nothing new.
        store = SqliteKeyStore.open(dir.resolve("data"), clock);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite.file());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, description FROM schema_migrations ORDER BY version")) {
            for (Migration m : SqliteKeyStore.MIGRATIONS) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(m.version());
                assertThat(rs.getString(2)).isEqualTo(m.description());
            }
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void aFileAtVersionOneIsMigratedForwardWithItsData() throws Exception {
        // A store written by a Sluice that knew only the first schema step.
        store.close();
        final Path old = dir.resolve("old");
        Files.createDirectories(old);
        final Path file = old.resolve(SqliteKeyStore.FILE_NAME);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, " +
                      "applied_at INTEGER NOT NULL)");
            for (String sql : SqliteKeyStore.MIGRATIONS.get(0).statements()) {
                s.execute(sql);
            }
            s.execute("INSERT INTO schema_migrations VALUES (1, 'v1', 0)");
            s.execute("INSERT INTO developers VALUES ('dev_1', 'ada@example.com', 'Ada', NULL, 'active', 1, 1)");
            s.execute("INSERT INTO apps VALUES ('app_1', 'dev_1', 'chatbot', 'approved', 2, 2)");
            s.execute("INSERT INTO app_products VALUES ('app_1', 0, 'free')");
            s.execute("UPDATE store_revision SET value = 2");
        }
        store = SqliteKeyStore.open(old, clock);
        assertThat(((SqliteKeyStore) store).schemaVersion()).isEqualTo(2);
        assertThat(store.app("app_1").orElseThrow().products()).containsExactly("free");
        assertThat(store.revision()).isEqualTo(2);
        final CreatedKey k = store.createKey("app_1", null);
        assertThat(store.changesSince(2).keyHashes()).hasSize(1);
        assertThat(store.credential(ApiKeys.hash(k.secret())).orElseThrow().developer().email())
                .isEqualTo("ada@example.com");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'index' AND " +
                                           "name IN ('apps_revision', 'developers_revision') ORDER BY name")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("apps_revision");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("developers_revision");
        }
    }

    @Test
    void aNewerSchemaIsRefused() throws Exception {
        final Path file = ((SqliteKeyStore) store).file();
        store.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)");
        }
        assertThatThrownBy(() -> SqliteKeyStore.open(dir.resolve("data"), clock))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("schema version 99");
        store = new InMemoryKeyStore(clock);
    }

    @Test
    void everythingSurvivesAReopen() {
        store.createDeveloper("ada@example.com", "Ada", "Lovelace");
        final App app = store.createApp("ada@example.com", "chatbot", List.of("premium", "free"));
        final CreatedKey k = store.createKey(app.id(), null);
        store.close();
        store = SqliteKeyStore.open(dir.resolve("data"), clock);
        assertThat(store.app(app.id())).contains(app);
        assertThat(store.credential(ApiKeys.hash(k.secret())).orElseThrow().key()).isEqualTo(k.key());
    }

    @Test
    void theKeyItselfIsNeverWritten() throws Exception {
        store.createDeveloper("ada@example.com", null, null);
        final App app = store.createApp("ada@example.com", "chatbot", List.of("free"));
        final CreatedKey k = store.createKey(app.id(), null);
        store.rotateKey(k.key().id(), null, null);
        store.close();
        final byte[] needle = k.secret().getBytes(StandardCharsets.UTF_8);
        try (var files = Files.list(dir.resolve("data"))) {
            for (Path f : files.toList()) {
                final byte[] bytes = Files.readAllBytes(f);
                assertThat(indexOf(bytes, needle)).as(f.toString()).isEqualTo(-1);
            }
        }
        store = SqliteKeyStore.open(dir.resolve("data"), clock);
    }

    @Test
    void twoProcessesShareTheFile() {
        // The gateway and a `sluice keys` command each open the file; each sees the other's writes and revisions.
        try (KeyStore other = SqliteKeyStore.open(dir.resolve("data"), clock)) {
            other.createDeveloper("ada@example.com", null, null);
            final App app = other.createApp("ada@example.com", "chatbot", List.of("free"));
            final long before = store.revision();
            final CreatedKey k = other.createKey(app.id(), null);
            assertThat(store.revision()).isGreaterThan(before);
            assertThat(store.changesSince(before).keyHashes()).hasSize(1);
            other.setKeyStatus(k.key().id(), ApiKey.Status.REVOKED);
            assertThat(store.credential(ApiKeys.hash(k.secret())).orElseThrow().key().status())
                    .isEqualTo(ApiKey.Status.REVOKED);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

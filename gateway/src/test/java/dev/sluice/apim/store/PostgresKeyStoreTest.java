package dev.sluice.apim.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;
import dev.sluice.testing.PostgresServer;

/** The key store contract against a real PostgreSQL, one fresh database per test, plus what only it does. */
class PostgresKeyStoreTest extends KeyStoreContractTest {

    @RegisterExtension
    static final PostgresServer pg = new PostgresServer();

    private String url;

    @Override
    protected KeyStore newStore(Clock clock) {
        url = pg.newDatabase();
        return PostgresKeyStore.open(url, clock);
    }

    @Test
    void schemaIsMigratedOnceAndRecorded() throws Exception {
        assertThat(((PostgresKeyStore) store).schemaVersion()).isEqualTo(PostgresKeyStore.MIGRATIONS.size());
        store.close();
        store = PostgresKeyStore.open(url, clock);
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, description FROM schema_migrations ORDER BY version")) {
            for (Migration m : PostgresKeyStore.MIGRATIONS) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(m.version());
                assertThat(rs.getString(2)).isEqualTo(m.description());
            }
            assertThat(rs.next()).isFalse();
        }
    }

    @Test
    void replicasStartingTogetherMigrateOnce() throws Exception {
        final String fresh = pg.newDatabase();
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<PostgresKeyStore>> opened = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                opened.add(pool.submit(() -> {
                    go.await();
                    return PostgresKeyStore.open(fresh, clock);
                }));
            }
            go.countDown();
            for (Future<PostgresKeyStore> f : opened) {
                try (PostgresKeyStore s = f.get(60, TimeUnit.SECONDS)) {
                    assertThat(s.schemaVersion()).isEqualTo(PostgresKeyStore.MIGRATIONS.size());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNewerSchemaIsRefused() throws Exception {
        store.close();
        try (Connection c = DriverManager.getConnection(url);
             Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO schema_migrations VALUES (99, 'from the future', 0)");
        }
        assertThatThrownBy(() -> PostgresKeyStore.open(url, clock))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("schema version 99");
        store = new InMemoryKeyStore(clock);
    }

    @Test
    void twoReplicasShareTheDatabase() {
        try (KeyStore other = PostgresKeyStore.open(url, clock)) {
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

    @Test
    void concurrentWritersCannotTakeTheSameEmail() throws Exception {
        // Writes are serialized by the revision row lock: exactly one of two racing creations wins, the other gets
        // the same clear error as on SQLite.
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        final List<KeyStore> stores = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                stores.add(PostgresKeyStore.open(url, clock));
            }
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<String>> results = new ArrayList<>();
            for (KeyStore s : stores) {
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        s.createDeveloper("race@example.com", null, null);
                        return "created";
                    } catch (IllegalArgumentException e) {
                        return e.getMessage();
                    }
                }));
            }
            go.countDown();
            final List<String> outcomes = new ArrayList<>();
            for (Future<String> f : results) {
                outcomes.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(outcomes).containsOnlyOnce("created")
                                .filteredOn(o -> !"created".equals(o))
                                .allMatch(o -> o.equals("developer already exists: race@example.com"));
        } finally {
            stores.forEach(KeyStore::close);
            pool.shutdownNow();
        }
    }

    @Test
    void aDatabaseRestartHealsByItself() {
        store.createDeveloper("ada@example.com", null, null);
        final App app = store.createApp("ada@example.com", "chatbot", List.of("free"));
        final CreatedKey k = store.createKey(app.id(), null);
        pg.restart();
        // The first call after the restart may meet the dead connection; it is dropped and the next call reconnects.
        try {
            store.revision();
        } catch (IllegalStateException expected) {
            assertThat(expected).hasMessageContaining("key store jdbc:postgresql://127.0.0.1:");
        }
        assertThat(store.credential(ApiKeys.hash(k.secret())).orElseThrow().app().id()).isEqualTo(app.id());
        assertThat(store.setKeyStatus(k.key().id(), ApiKey.Status.REVOKED).status()).isEqualTo(ApiKey.Status.REVOKED);
    }

    @Test
    void badUrlsAreRefusedClearly_andPasswordsNeverShown() {
        assertThatThrownBy(() -> PostgresKeyStore.open("jdbc:mysql://db/sluice", clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: jdbc:postgresql://");
        assertThatThrownBy(() -> PostgresKeyStore.open(
                "jdbc:postgresql://127.0.0.1:1/nope?user=x&password=hunter2&connectTimeout=1", clock))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("jdbc:postgresql://127.0.0.1:1/nope")
                .hasMessageNotContaining("hunter2");
    }
}

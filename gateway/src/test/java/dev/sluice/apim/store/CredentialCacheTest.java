package dev.sluice.apim.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;
import dev.sluice.apim.Credential;
import dev.sluice.apim.Developer;
import dev.sluice.apim.ManualClock;

class CredentialCacheTest {

    /** Counts the lookups that reach the store. */
    static final class CountingStore implements KeyStore {
        final KeyStore delegate;
        final AtomicInteger credentialReads = new AtomicInteger();

        CountingStore(KeyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Developer createDeveloper(String email, @Nullable String firstName, @Nullable String lastName) {
            return delegate.createDeveloper(email, firstName, lastName);
        }

        @Override
        public Optional<Developer> developer(String idOrEmail) {
            return delegate.developer(idOrEmail);
        }

        @Override
        public List<Developer> developers() {
            return delegate.developers();
        }

        @Override
        public Developer setDeveloperStatus(String idOrEmail, Developer.Status status) {
            return delegate.setDeveloperStatus(idOrEmail, status);
        }

        @Override
        public App createApp(String developerIdOrEmail, String name, List<String> products) {
            return delegate.createApp(developerIdOrEmail, name, products);
        }

        @Override
        public Optional<App> app(String id) {
            return delegate.app(id);
        }

        @Override
        public List<App> apps(@Nullable String developerIdOrEmail) {
            return delegate.apps(developerIdOrEmail);
        }

        @Override
        public App setAppStatus(String appId, App.Status status) {
            return delegate.setAppStatus(appId, status);
        }

        @Override
        public App setAppProducts(String appId, List<String> products) {
            return delegate.setAppProducts(appId, products);
        }

        @Override
        public CreatedKey createKey(String appId, @Nullable Instant expiresAt) {
            return delegate.createKey(appId, expiresAt);
        }

        @Override
        public Optional<ApiKey> key(String keyId) {
            return delegate.key(keyId);
        }

        @Override
        public List<ApiKey> keys(@Nullable String appId) {
            return delegate.keys(appId);
        }

        @Override
        public ApiKey setKeyStatus(String keyId, ApiKey.Status status) {
            return delegate.setKeyStatus(keyId, status);
        }

        @Override
        public CreatedKey rotateKey(String keyId, @Nullable Instant newKeyExpiresAt,
                                    @Nullable Instant oldKeyExpiresAt) {
            return delegate.rotateKey(keyId, newKeyExpiresAt, oldKeyExpiresAt);
        }

        @Override
        public Optional<Credential> credential(byte[] keyHash) {
            credentialReads.incrementAndGet();
            return delegate.credential(keyHash);
        }

        @Override
        public void recordUse(Map<String, Instant> lastUsedByKeyId) {
            delegate.recordUse(lastUsedByKeyId);
        }

        @Override
        public long revision() {
            return delegate.revision();
        }

        @Override
        public Changes changesSince(long revision) {
            return delegate.changesSince(revision);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    ManualClock clock;
    CountingStore store;
    CredentialCache cache;
    App app;
    CreatedKey key;

    @BeforeEach
    void setUp() {
        clock = ManualClock.at("2026-03-10T12:00:00Z");
        store = new CountingStore(new InMemoryKeyStore(clock));
        store.createDeveloper("ada@example.com", null, null);
        app = store.createApp("ada@example.com", "chatbot", List.of("free"));
        key = store.createKey(app.id(), null);
        // A long interval: the tests sync by hand.
        cache = new CredentialCache(store, clock, 1000, Duration.ofHours(1));
    }

    @AfterEach
    void tearDown() {
        cache.close();
    }

    private Optional<Credential> lookup(String secret) {
        return cache.lookup(ApiKeys.hash(secret)).join();
    }

    @Test
    void unknownKeysAreRefusedWithoutReadingTheStore() {
        final CompletableFuture<Optional<Credential>> f = cache.lookup(ApiKeys.hash(ApiKeys.newKey()));
        assertThat(f).isCompletedWithValue(Optional.empty());
        assertThat(store.credentialReads).hasValue(0);
    }

    @Test
    void knownKeysAreReadOnceThenServedFromMemory() {
        assertThat(lookup(key.secret())).hasValueSatisfying(c -> assertThat(c.key().id()).isEqualTo(key.key().id()));
        final CompletableFuture<Optional<Credential>> again = cache.lookup(ApiKeys.hash(key.secret()));
        assertThat(again).isCompleted();
        assertThat(again.join()).isPresent();
        assertThat(store.credentialReads).hasValue(1);
    }

    @Test
    void changesMadeElsewhereArePickedUpBySync() {
        assertThat(lookup(key.secret()).orElseThrow().key().status()).isEqualTo(ApiKey.Status.APPROVED);
        store.setKeyStatus(key.key().id(), ApiKey.Status.REVOKED);
        // Until the next sync the cached credential stands.
        assertThat(lookup(key.secret()).orElseThrow().key().status()).isEqualTo(ApiKey.Status.APPROVED);
        cache.sync();
        assertThat(lookup(key.secret()).orElseThrow().key().status()).isEqualTo(ApiKey.Status.REVOKED);
        assertThat(cache.revision()).isEqualTo(store.revision());

        store.setAppStatus(app.id(), App.Status.REVOKED);
        cache.sync();
        assertThat(lookup(key.secret()).orElseThrow().app().status()).isEqualTo(App.Status.REVOKED);
    }

    @Test
    void newKeysBecomeKnownWithTheNextSync() {
        final CreatedKey fresh = store.createKey(app.id(), null);
        assertThat(lookup(fresh.secret())).isEmpty();
        cache.sync();
        assertThat(lookup(fresh.secret())).isPresent();
    }

    @Test
    void lastUseIsWrittenInBatches() {
        clock.set(Instant.parse("2026-03-10T12:00:07Z"));
        cache.recordUse(key.key().id());
        assertThat(store.key(key.key().id()).orElseThrow().lastUsedAt()).isNull();
        cache.sync();
        assertThat(store.key(key.key().id()).orElseThrow().lastUsedAt())
                .isEqualTo(Instant.parse("2026-03-10T12:00:07Z"));
        clock.set(Instant.parse("2026-03-10T12:00:09Z"));
        cache.recordUse(key.key().id());
        cache.close();
        assertThat(store.key(key.key().id()).orElseThrow().lastUsedAt())
                .isEqualTo(Instant.parse("2026-03-10T12:00:09Z"));
        cache = new CredentialCache(store, clock, 1000, Duration.ofHours(1));
    }

    @Test
    void theBackgroundSyncRunsOnItsInterval() throws Exception {
        cache.close();
        cache = new CredentialCache(store, clock, 1000, Duration.ofMillis(20));
        final CreatedKey fresh = store.createKey(app.id(), null);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                                 .until(() -> lookup(fresh.secret()).isPresent());
    }
}

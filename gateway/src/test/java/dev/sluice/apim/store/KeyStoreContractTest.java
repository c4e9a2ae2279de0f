package dev.sluice.apim.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

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

/** What every {@link KeyStore} must do. Subclass it per implementation: in memory, SQLite and PostgreSQL. */
public abstract class KeyStoreContractTest {

    /** Returns a new, empty store reading time from {@code clock}. */
    protected abstract KeyStore newStore(Clock clock);

    protected ManualClock clock;
    protected KeyStore store;

    @BeforeEach
    void open() {
        clock = ManualClock.at("2026-03-10T12:00:00.123456Z");
        store = newStore(clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static List<String> hexes(List<byte[]> hashes) {
        return hashes.stream().map(ApiKeys::hex).toList();
    }

    /* ------------------------------------------------------------------------------------------ developers */

    @Test
    void developers_areCreatedActiveAndFoundByIdOrEmail() {
        final Developer d = store.createDeveloper("ada@example.com", "Ada", "Lovelace");
        assertThat(d.id()).startsWith("dev_");
        assertThat(d.status()).isEqualTo(Developer.Status.ACTIVE);
        assertThat(d.createdAt()).isEqualTo(Instant.parse("2026-03-10T12:00:00.123Z"));
        assertThat(store.developer(d.id())).contains(d);
        assertThat(store.developer("ada@example.com")).contains(d);
        assertThat(store.developer("nobody@example.com")).isEmpty();
        final Developer noName = store.createDeveloper("bob@example.com", null, null);
        assertThat(store.developers()).containsExactly(d, noName);
    }

    @Test
    void developers_emailsAreUnique() {
        store.createDeveloper("ada@example.com", null, null);
        assertThatThrownBy(() -> store.createDeveloper("ada@example.com", null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ada@example.com");
        assertThatThrownBy(() -> store.createDeveloper(" ", null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void developers_statusChanges() {
        final Developer d = store.createDeveloper("ada@example.com", null, null);
        assertThat(store.setDeveloperStatus("ada@example.com", Developer.Status.INACTIVE).status())
                .isEqualTo(Developer.Status.INACTIVE);
        assertThat(store.developer(d.id()).orElseThrow().status()).isEqualTo(Developer.Status.INACTIVE);
        assertThatThrownBy(() -> store.setDeveloperStatus("dev_missing", Developer.Status.ACTIVE))
                .isInstanceOf(NoSuchElementException.class).hasMessage("developer not found: dev_missing");
    }

    /* ------------------------------------------------------------------------------------------ apps */

    @Test
    void apps_belongToADeveloperAndKeepTheirProductsInOrder() {
        final Developer ada = store.createDeveloper("ada@example.com", null, null);
        final Developer bob = store.createDeveloper("bob@example.com", null, null);
        final App a = store.createApp("ada@example.com", "chatbot", List.of("premium", "free"));
        assertThat(a.id()).startsWith("app_");
        assertThat(a.developerId()).isEqualTo(ada.id());
        assertThat(a.status()).isEqualTo(App.Status.APPROVED);
        assertThat(a.products()).containsExactly("premium", "free");
        assertThat(store.app(a.id())).contains(a);
        final App b = store.createApp(bob.id(), "chatbot", List.of());
        assertThat(store.apps(null)).containsExactly(a, b);
        assertThat(store.apps("bob@example.com")).containsExactly(b);
        assertThat(store.app("app_missing")).isEmpty();
    }

    @Test
    void apps_namesAreUniquePerDeveloper() {
        store.createDeveloper("ada@example.com", null, null);
        store.createApp("ada@example.com", "chatbot", List.of("free"));
        assertThatThrownBy(() -> store.createApp("ada@example.com", "chatbot", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chatbot");
        assertThatThrownBy(() -> store.createApp("nobody@example.com", "x", List.of()))
                .isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> store.createApp("ada@example.com", "y", List.of("free", "free")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("free");
    }

    @Test
    void apps_statusAndProductsChange() {
        store.createDeveloper("ada@example.com", null, null);
        final App a = store.createApp("ada@example.com", "chatbot", List.of("free"));
        assertThat(store.setAppStatus(a.id(), App.Status.REVOKED).status()).isEqualTo(App.Status.REVOKED);
        assertThat(store.setAppProducts(a.id(), List.of("premium", "free")).products())
                .containsExactly("premium", "free");
        final App read = store.app(a.id()).orElseThrow();
        assertThat(read.status()).isEqualTo(App.Status.REVOKED);
        assertThat(read.products()).containsExactly("premium", "free");
        assertThatThrownBy(() -> store.setAppStatus("app_missing", App.Status.APPROVED))
                .isInstanceOf(NoSuchElementException.class);
    }

    /* ------------------------------------------------------------------------------------------ keys */

    private App app() {
        store.createDeveloper("ada@example.com", "Ada", null);
        return store.createApp("ada@example.com", "chatbot", List.of("free"));
    }

    @Test
    void keys_areShownOnceAndFoundByTheirHash() {
        final App app = app();
        final CreatedKey created = store.createKey(app.id(), null);
        assertThat(created.secret()).startsWith(ApiKeys.PREFIX).hasSize(ApiKeys.PREFIX.length() + 43);
        assertThat(created.key().id()).startsWith("key_");
        assertThat(created.key().hint()).isEqualTo(created.secret().substring(created.secret().length() - 4));
        assertThat(created.key().status()).isEqualTo(ApiKey.Status.APPROVED);
        assertThat(created.key().expiresAt()).isNull();
        assertThat(created.toString()).doesNotContain(created.secret());

        final Credential c = store.credential(ApiKeys.hash(created.secret())).orElseThrow();
        assertThat(c.key()).isEqualTo(created.key());
        assertThat(c.app()).isEqualTo(app);
        assertThat(c.developer().email()).isEqualTo("ada@example.com");
        assertThat(ApiKeys.sameHash(c.keyHash(), ApiKeys.hash(created.secret()))).isTrue();
        assertThat(store.credential(ApiKeys.hash(created.secret() + "x"))).isEmpty();
        assertThat(store.keys(app.id())).containsExactly(created.key());
        assertThat(store.key(created.key().id())).contains(created.key());
    }

    @Test
    void keys_expiryIsKeptToTheMillisecond() {
        final App app = app();
        final Instant expiry = Instant.parse("2026-04-10T12:00:00.123456789Z");
        final CreatedKey k = store.createKey(app.id(), expiry);
        assertThat(k.key().expiresAt()).isEqualTo(Instant.parse("2026-04-10T12:00:00.123Z"));
        assertThat(store.key(k.key().id()).orElseThrow().expiresAt()).isEqualTo(k.key().expiresAt());
        assertThat(k.key().isExpired(Instant.parse("2026-04-10T12:00:00.122Z"))).isFalse();
        assertThat(k.key().isExpired(Instant.parse("2026-04-10T12:00:00.123Z"))).isTrue();
    }

    @Test
    void keys_revokeAndApprove() {
        final App app = app();
        final CreatedKey k = store.createKey(app.id(), null);
        assertThat(store.setKeyStatus(k.key().id(), ApiKey.Status.REVOKED).status())
                .isEqualTo(ApiKey.Status.REVOKED);
        assertThat(store.credential(ApiKeys.hash(k.secret())).orElseThrow().key().status())
                .isEqualTo(ApiKey.Status.REVOKED);
        assertThat(store.setKeyStatus(k.key().id(), ApiKey.Status.APPROVED).status())
                .isEqualTo(ApiKey.Status.APPROVED);
        assertThatThrownBy(() -> store.setKeyStatus("key_missing", ApiKey.Status.REVOKED))
                .isInstanceOf(NoSuchElementException.class).hasMessage("key not found: key_missing");
        assertThatThrownBy(() -> store.createKey("app_missing", null)).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void keys_rotateRevokesTheOldKeyAtOnce() {
        final App app = app();
        final CreatedKey old = store.createKey(app.id(), null);
        clock.advance(Duration.ofSeconds(1));
        final CreatedKey fresh = store.rotateKey(old.key().id(), null, null);
        assertThat(fresh.secret()).isNotEqualTo(old.secret());
        assertThat(fresh.key().appId()).isEqualTo(app.id());
        assertThat(store.key(old.key().id()).orElseThrow().status()).isEqualTo(ApiKey.Status.REVOKED);
        assertThat(store.credential(ApiKeys.hash(fresh.secret())).orElseThrow().key().status())
                .isEqualTo(ApiKey.Status.APPROVED);
        assertThat(store.keys(app.id())).extracting(ApiKey::id).containsExactly(old.key().id(), fresh.key().id());
    }

    @Test
    void keys_rotateWithAGracePeriodLetsTheOldKeyRunOut() {
        final App app = app();
        final CreatedKey old = store.createKey(app.id(), null);
        final Instant grace = Instant.parse("2026-03-11T12:00:00Z");
        store.rotateKey(old.key().id(), null, grace);
        final ApiKey oldNow = store.key(old.key().id()).orElseThrow();
        assertThat(oldNow.status()).isEqualTo(ApiKey.Status.APPROVED);
        assertThat(oldNow.expiresAt()).isEqualTo(grace);

        // A key that expires sooner than the grace period keeps its own expiry.
        final CreatedKey soon = store.createKey(app.id(), Instant.parse("2026-03-10T13:00:00Z"));
        store.rotateKey(soon.key().id(), null, grace);
        assertThat(store.key(soon.key().id()).orElseThrow().expiresAt())
                .isEqualTo(Instant.parse("2026-03-10T13:00:00Z"));
    }

    @Test
    void keys_lastUseIsRecordedWithoutCountingAsAChange() {
        final App app = app();
        final CreatedKey k = store.createKey(app.id(), null);
        final long revision = store.revision();
        store.recordUse(Map.of(k.key().id(), Instant.parse("2026-03-10T12:05:00Z"), "key_missing",
                               Instant.parse("2026-03-10T12:05:00Z")));
        // An older time does not move it back.
        store.recordUse(Map.of(k.key().id(), Instant.parse("2026-03-10T12:01:00Z")));
        assertThat(store.key(k.key().id()).orElseThrow().lastUsedAt())
                .isEqualTo(Instant.parse("2026-03-10T12:05:00Z"));
        assertThat(store.revision()).isEqualTo(revision);
        assertThat(store.changesSince(revision).keyHashes()).isEmpty();
    }

    /* ------------------------------------------------------------------------------------------ changes */

    @Test
    void changes_nameTheKeysWhoseCredentialChanged() {
        final long r0 = store.revision();
        final Developer ada = store.createDeveloper("ada@example.com", null, null);
        final App a1 = store.createApp(ada.id(), "one", List.of("free"));
        final App a2 = store.createApp(ada.id(), "two", List.of("free"));
        final CreatedKey k1 = store.createKey(a1.id(), null);
        final CreatedKey k2 = store.createKey(a1.id(), null);
        final CreatedKey k3 = store.createKey(a2.id(), null);
        final String h1 = ApiKeys.hex(ApiKeys.hash(k1.secret()));
        final String h2 = ApiKeys.hex(ApiKeys.hash(k2.secret()));
        final String h3 = ApiKeys.hex(ApiKeys.hash(k3.secret()));

        final KeyStore.Changes all = store.changesSince(r0);
        assertThat(all.revision()).isGreaterThan(r0).isEqualTo(store.revision());
        assertThat(hexes(all.keyHashes())).containsExactlyInAnyOrder(h1, h2, h3);
        assertThat(store.changesSince(all.revision()).keyHashes()).isEmpty();

        final long r1 = store.revision();
        store.setKeyStatus(k2.key().id(), ApiKey.Status.REVOKED);
        assertThat(hexes(store.changesSince(r1).keyHashes())).containsExactly(h2);

        final long r2 = store.revision();
        store.setAppStatus(a1.id(), App.Status.REVOKED);
        assertThat(hexes(store.changesSince(r2).keyHashes())).containsExactlyInAnyOrder(h1, h2);

        final long r3 = store.revision();
        store.setAppProducts(a2.id(), List.of("premium"));
        assertThat(hexes(store.changesSince(r3).keyHashes())).containsExactly(h3);

        final long r4 = store.revision();
        store.setDeveloperStatus(ada.id(), Developer.Status.INACTIVE);
        assertThat(hexes(store.changesSince(r4).keyHashes())).containsExactlyInAnyOrder(h1, h2, h3);

        final long r5 = store.revision();
        final CreatedKey k4 = store.rotateKey(k3.key().id(), null, null);
        assertThat(hexes(store.changesSince(r5).keyHashes()))
                .containsExactlyInAnyOrder(h3, ApiKeys.hex(ApiKeys.hash(k4.secret())));
    }
}

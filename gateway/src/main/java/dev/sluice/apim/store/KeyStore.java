package dev.sluice.apim.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;
import dev.sluice.apim.Credential;
import dev.sluice.apim.Developer;

/**
 * Stores developers, their apps and the apps' API keys (as hashes), and tells caches what changed.
 *
 * <p>Methods block; the gateway calls them on its own store thread through a {@link CredentialCache}, never on an
 * event loop. Every change bumps a store-wide {@linkplain #revision() revision}, and {@link #changesSince} names the
 * key hashes whose credential (key, app or developer) changed after a revision, so that caches in every replica can
 * drop exactly those. Lookups that find nothing throw {@link NoSuchElementException}; names already taken or bad
 * arguments throw {@link IllegalArgumentException}. Implementations are held to {@code KeyStoreContractTest}.
 */
public interface KeyStore extends AutoCloseable {

    /* ------------------------------------------------------------------------------------------ developers */

    /** Creates an active developer; the email must be new. */
    Developer createDeveloper(String email, @Nullable String firstName, @Nullable String lastName);

    /** Returns the developer with this id or email. */
    Optional<Developer> developer(String idOrEmail);

    /** Returns every developer, oldest first. */
    List<Developer> developers();

    /** Sets a developer's status. */
    Developer setDeveloperStatus(String idOrEmail, Developer.Status status);

    /* ------------------------------------------------------------------------------------------ apps */

    /** Creates an approved app for a developer, subscribed to {@code products} in that order. */
    App createApp(String developerIdOrEmail, String name, List<String> products);

    /** Returns the app with this id. */
    Optional<App> app(String id);

    /** Returns the apps of a developer, or all apps when {@code developerIdOrEmail} is {@code null}. */
    List<App> apps(@Nullable String developerIdOrEmail);

    /** Sets an app's status. */
    App setAppStatus(String appId, App.Status status);

    /** Replaces an app's products. */
    App setAppProducts(String appId, List<String> products);

    /* ------------------------------------------------------------------------------------------ keys */

    /** Creates an approved key for an app; the returned object carries the key itself, which is not stored. */
    CreatedKey createKey(String appId, @Nullable Instant expiresAt);

    /** Returns the key with this id. */
    Optional<ApiKey> key(String keyId);

    /** Returns the keys of an app, or all keys when {@code appId} is {@code null}, oldest first. */
    List<ApiKey> keys(@Nullable String appId);

    /** Sets a key's status (revoke or approve again). */
    ApiKey setKeyStatus(String keyId, ApiKey.Status status);

    /**
     * Replaces a key by a new one for the same app. The old key is revoked now when {@code oldKeyExpiresAt} is
     * {@code null}; otherwise it keeps working until then (or its own earlier expiry), so clients can switch over.
     */
    CreatedKey rotateKey(String keyId, @Nullable Instant newKeyExpiresAt, @Nullable Instant oldKeyExpiresAt);

    /** Returns what the key with this SHA-256 hash resolves to. */
    Optional<Credential> credential(byte[] keyHash);

    /** Records when keys were last used; does not count as a change. Unknown ids are ignored. */
    void recordUse(Map<String, Instant> lastUsedByKeyId);

    /* ------------------------------------------------------------------------------------------ changes */

    /** Returns the current revision: it grows with every change. */
    long revision();

    /** Returns the current revision and the hashes of keys whose credential changed after {@code revision}. */
    Changes changesSince(long revision);

    /** A change feed page: the revision it is current to and the key hashes that changed. */
    record Changes(long revision, List<byte[]> keyHashes) {
        public Changes {
            keyHashes = List.copyOf(keyHashes);
        }
    }

    @Override
    void close();
}

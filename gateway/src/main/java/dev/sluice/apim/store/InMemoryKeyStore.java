package dev.sluice.apim.store;

import static dev.sluice.apim.store.JdbcKeyStore.checkNotBlank;
import static dev.sluice.apim.store.JdbcKeyStore.checkProducts;
import static dev.sluice.apim.store.JdbcKeyStore.millis;
import static dev.sluice.apim.store.JdbcKeyStore.notFound;
import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;
import dev.sluice.apim.Credential;
import dev.sluice.apim.Developer;

/** A {@link KeyStore} in memory, for tests and throwaway gateways; nothing survives a restart. */
public final class InMemoryKeyStore implements KeyStore {

    private record Row<T>(T value, long revision) {}

    private record KeyRow(ApiKey key, byte[] hash, long revision) {}

    private final Clock clock;
    private final Map<String, Row<Developer>> developers = new LinkedHashMap<>();
    private final Map<String, Row<App>> apps = new LinkedHashMap<>();
    private final Map<String, KeyRow> keys = new LinkedHashMap<>();
    private long revision;

    /** Creates an empty store reading time from {@code clock}. */
    public InMemoryKeyStore(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public synchronized Developer createDeveloper(String email, @Nullable String firstName,
                                                  @Nullable String lastName) {
        requireNonNull(email, "email");
        checkNotBlank(email, "email");
        if (developer(email).isPresent()) {
            throw new IllegalArgumentException("developer already exists: " + email);
        }
        final Developer d = new Developer(ApiKeys.newId("dev"), email, firstName, lastName, Developer.Status.ACTIVE,
                                          now());
        developers.put(d.id(), new Row<>(d, ++revision));
        return d;
    }

    @Override
    public synchronized Optional<Developer> developer(String idOrEmail) {
        return developers.values().stream().map(Row::value)
                         .filter(d -> d.id().equals(idOrEmail) || d.email().equals(idOrEmail)).findFirst();
    }

    @Override
    public synchronized List<Developer> developers() {
        return developers.values().stream().map(Row::value).toList();
    }

    @Override
    public synchronized Developer setDeveloperStatus(String idOrEmail, Developer.Status status) {
        requireNonNull(status, "status");
        final Developer d = developer(idOrEmail).orElseThrow(() -> notFound("developer", idOrEmail));
        final Developer updated = new Developer(d.id(), d.email(), d.firstName(), d.lastName(), status,
                                                d.createdAt());
        developers.put(d.id(), new Row<>(updated, ++revision));
        return updated;
    }

    @Override
    public synchronized App createApp(String developerIdOrEmail, String name, List<String> products) {
        requireNonNull(name, "name");
        checkNotBlank(name, "name");
        final List<String> productList = checkProducts(products);
        final Developer d = developer(developerIdOrEmail).orElseThrow(() -> notFound("developer",
                                                                                        developerIdOrEmail));
        if (apps.values().stream().anyMatch(r -> r.value().developerId().equals(d.id()) &&
                                                 r.value().name().equals(name))) {
            throw new IllegalArgumentException("app already exists for " + d.email() + ": " + name);
        }
        final App app = new App(ApiKeys.newId("app"), d.id(), name, App.Status.APPROVED, productList, now());
        apps.put(app.id(), new Row<>(app, ++revision));
        return app;
    }

    @Override
    public synchronized Optional<App> app(String id) {
        final Row<App> r = apps.get(id);
        return r == null ? Optional.empty() : Optional.of(r.value());
    }

    @Override
    public synchronized List<App> apps(@Nullable String developerIdOrEmail) {
        if (developerIdOrEmail == null) {
            return apps.values().stream().map(Row::value).toList();
        }
        final Developer d = developer(developerIdOrEmail).orElseThrow(() -> notFound("developer",
                                                                                        developerIdOrEmail));
        return apps.values().stream().map(Row::value).filter(a -> a.developerId().equals(d.id())).toList();
    }

    @Override
    public synchronized App setAppStatus(String appId, App.Status status) {
        requireNonNull(status, "status");
        final App a = app(appId).orElseThrow(() -> notFound("app", appId));
        final App updated = new App(a.id(), a.developerId(), a.name(), status, a.products(), a.createdAt());
        apps.put(a.id(), new Row<>(updated, ++revision));
        return updated;
    }

    @Override
    public synchronized App setAppProducts(String appId, List<String> products) {
        final List<String> productList = checkProducts(products);
        final App a = app(appId).orElseThrow(() -> notFound("app", appId));
        final App updated = new App(a.id(), a.developerId(), a.name(), a.status(), productList, a.createdAt());
        apps.put(a.id(), new Row<>(updated, ++revision));
        return updated;
    }

    @Override
    public synchronized CreatedKey createKey(String appId, @Nullable Instant expiresAt) {
        requireNonNull(appId, "appId");
        final App a = app(appId).orElseThrow(() -> notFound("app", appId));
        return insertKey(a.id(), expiresAt, ++revision);
    }

    private CreatedKey insertKey(String appId, @Nullable Instant expiresAt, long rev) {
        final String secret = ApiKeys.newKey();
        final ApiKey key = new ApiKey(ApiKeys.newId("key"), appId, ApiKeys.hint(secret), ApiKey.Status.APPROVED,
                                      now(), millis(expiresAt), null);
        keys.put(key.id(), new KeyRow(key, ApiKeys.hash(secret), rev));
        return new CreatedKey(key, secret);
    }

    @Override
    public synchronized Optional<ApiKey> key(String keyId) {
        final KeyRow r = keys.get(keyId);
        return r == null ? Optional.empty() : Optional.of(r.key());
    }

    @Override
    public synchronized List<ApiKey> keys(@Nullable String appId) {
        return keys.values().stream().map(KeyRow::key).filter(k -> appId == null || k.appId().equals(appId))
                   .toList();
    }

    @Override
    public synchronized ApiKey setKeyStatus(String keyId, ApiKey.Status status) {
        requireNonNull(status, "status");
        final KeyRow r = keys.get(keyId);
        if (r == null) {
            throw notFound("key", keyId);
        }
        final ApiKey k = r.key();
        final ApiKey updated = new ApiKey(k.id(), k.appId(), k.hint(), status, k.createdAt(), k.expiresAt(),
                                          k.lastUsedAt());
        keys.put(k.id(), new KeyRow(updated, r.hash(), ++revision));
        return updated;
    }

    @Override
    public synchronized CreatedKey rotateKey(String keyId, @Nullable Instant newKeyExpiresAt,
                                             @Nullable Instant oldKeyExpiresAt) {
        final KeyRow r = keys.get(keyId);
        if (r == null) {
            throw notFound("key", keyId);
        }
        final long rev = ++revision;
        final ApiKey k = r.key();
        final ApiKey old;
        if (oldKeyExpiresAt == null) {
            old = new ApiKey(k.id(), k.appId(), k.hint(), ApiKey.Status.REVOKED, k.createdAt(), k.expiresAt(),
                             k.lastUsedAt());
        } else {
            final Instant until = k.expiresAt() != null && k.expiresAt().isBefore(oldKeyExpiresAt)
                                  ? k.expiresAt() : millis(oldKeyExpiresAt);
            old = new ApiKey(k.id(), k.appId(), k.hint(), k.status(), k.createdAt(), until, k.lastUsedAt());
        }
        keys.put(k.id(), new KeyRow(old, r.hash(), rev));
        return insertKey(k.appId(), newKeyExpiresAt, rev);
    }

    @Override
    public synchronized Optional<Credential> credential(byte[] keyHash) {
        requireNonNull(keyHash, "keyHash");
        for (KeyRow r : keys.values()) {
            if (ApiKeys.sameHash(r.hash(), keyHash)) {
                final App app = apps.get(r.key().appId()).value();
                final Developer dev = developers.get(app.developerId()).value();
                return Optional.of(new Credential(r.key(), r.hash().clone(), app, dev));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized void recordUse(Map<String, Instant> lastUsedByKeyId) {
        lastUsedByKeyId.forEach((id, at) -> {
            final KeyRow r = keys.get(id);
            if (r == null) {
                return;
            }
            final ApiKey k = r.key();
            final Instant last = k.lastUsedAt() != null && k.lastUsedAt().isAfter(at) ? k.lastUsedAt() : millis(at);
            keys.put(id, new KeyRow(new ApiKey(k.id(), k.appId(), k.hint(), k.status(), k.createdAt(),
                                               k.expiresAt(), last), r.hash(), r.revision()));
        });
    }

    @Override
    public synchronized long revision() {
        return revision;
    }

    @Override
    public synchronized Changes changesSince(long since) {
        final List<byte[]> hashes = new ArrayList<>();
        for (KeyRow r : keys.values()) {
            final Row<App> app = apps.get(r.key().appId());
            final Row<Developer> dev = developers.get(app.value().developerId());
            if (r.revision() > since || app.revision() > since || dev.revision() > since) {
                hashes.add(r.hash().clone());
            }
        }
        return new Changes(revision, hashes);
    }

    @Override
    public void close() {}

    private Instant now() {
        return Instant.ofEpochMilli(clock.millis());
    }
}

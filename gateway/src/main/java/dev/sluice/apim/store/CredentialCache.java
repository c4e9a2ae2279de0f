package dev.sluice.apim.store;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.Credential;

/**
 * Resolves key hashes to credentials from memory, so that a request never waits on the {@link KeyStore}.
 *
 * <p>Three pieces keep it exact without reading the store per request:
 * <ul>
 *   <li>the set of every key hash in the store, so an unknown key (a typo, a guess, a flood of random keys) is
 *       refused at once without a database read;</li>
 *   <li>a Caffeine cache of credentials by hash, loaded on the store thread on first use of a key;</li>
 *   <li>a sync task that, every {@code syncInterval}, asks the store which key hashes changed since the last revision
 *       it saw (a key, its app or its developer was created, revoked or changed) and drops exactly those entries, so
 *       a revocation made by another process or replica takes effect within one interval.</li>
 * </ul>
 * The same task writes last-used times in one batch. All store calls run on one daemon platform thread: SQLite's
 * JNI calls would pin a virtual thread's carrier, and one connection serves one thread anyway.
 */
public final class CredentialCache implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(CredentialCache.class);

    private final KeyStore store;
    private final Clock clock;
    private final ScheduledExecutorService storeThread;
    private final AsyncLoadingCache<String, Optional<Credential>> cache;
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Instant> lastUsed = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> syncTask;
    private volatile long revision;

    /**
     * Creates a cache over {@code store}, loading the set of key hashes now.
     *
     * @param maximumSize how many credentials to keep
     * @param syncInterval how often to pick up changes and write last-used times
     */
    public CredentialCache(KeyStore store, Clock clock, long maximumSize, Duration syncInterval) {
        this.store = requireNonNull(store, "store");
        this.clock = requireNonNull(clock, "clock");
        if (syncInterval.isNegative() || syncInterval.isZero()) {
            throw new IllegalArgumentException("syncInterval: " + syncInterval + " (expected: > 0)");
        }
        storeThread = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "sluice-apim-store");
            t.setDaemon(true);
            return t;
        });
        cache = Caffeine.newBuilder().maximumSize(maximumSize).executor(storeThread)
                        .buildAsync(hex -> store.credential(java.util.HexFormat.of().parseHex(hex)));
        try {
            storeThread.submit(() -> {
                final KeyStore.Changes all = store.changesSince(0);
                all.keyHashes().forEach(h -> known.add(ApiKeys.hex(h)));
                revision = all.revision();
            }).get();
        } catch (Exception e) {
            storeThread.shutdownNow();
            throw new IllegalStateException("cannot load keys: " + e.getMessage(), e);
        }
        final long millis = syncInterval.toMillis();
        syncTask = storeThread.scheduleWithFixedDelay(this::syncQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Returns the credential of the key with SHA-256 {@code hash}, or empty when there is none. Completes at once for
     * unknown keys and cached ones; otherwise on the store thread.
     */
    public CompletableFuture<Optional<Credential>> lookup(byte[] hash) {
        final String hex = ApiKeys.hex(hash);
        if (!known.contains(hex)) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return cache.get(hex).thenApply(found -> found.filter(c -> ApiKeys.sameHash(c.keyHash(), hash)));
    }

    /** Notes that key {@code keyId} was used now; written to the store with the next sync. */
    public void recordUse(String keyId) {
        lastUsed.put(keyId, clock.instant());
    }

    /** Picks up changes and writes last-used times now, on the store thread, and waits for it. */
    public void sync() {
        try {
            storeThread.submit(this::syncNow).get();
        } catch (Exception e) {
            throw new IllegalStateException("key cache sync failed: " + e.getMessage(), e);
        }
    }

    /** Returns the store revision the cache is current to. */
    public long revision() {
        return revision;
    }

    private void syncQuietly() {
        try {
            syncNow();
        } catch (RuntimeException e) {
            // The store may be busy or briefly unavailable; cached credentials stay until the next round.
            logger.warn("API key cache sync failed; retrying: {}", e.toString());
        }
    }

    private void syncNow() {
        flushLastUsed();
        final KeyStore.Changes changes = store.changesSince(revision);
        for (byte[] h : changes.keyHashes()) {
            final String hex = ApiKeys.hex(h);
            known.add(hex);
            cache.synchronous().invalidate(hex);
        }
        revision = changes.revision();
    }

    private void flushLastUsed() {
        if (lastUsed.isEmpty()) {
            return;
        }
        final Map<String, Instant> batch = new HashMap<>();
        for (String id : lastUsed.keySet()) {
            final @Nullable Instant at = lastUsed.remove(id);
            if (at != null) {
                batch.put(id, at);
            }
        }
        store.recordUse(batch);
    }

    /** Writes pending last-used times and stops the store thread; the store itself is not closed. */
    @Override
    public void close() {
        syncTask.cancel(false);
        try {
            storeThread.submit(this::flushLastUsed).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            logger.warn("could not write API key last-used times on close: {}", e.toString());
        }
        storeThread.shutdown();
    }
}

package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.analytics.AnalyticsMetrics;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.AnalyticsWriter;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.limit.InMemoryRateLimiter;
import dev.sluice.apim.limit.LimiterMetrics;
import dev.sluice.apim.limit.RateLimiter;
import dev.sluice.apim.limit.RedisRateLimiter;
import dev.sluice.apim.store.CredentialCache;
import dev.sluice.apim.store.KeyStore;
import dev.sluice.apim.store.PostgresKeyStore;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.config.GatewayConfig;
import dev.sluice.extension.ExtensionFactory;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The API management module of one gateway process: it builds the {@code api-management} extension for each
 * configuration and holds what must outlive a reload: the key stores with their caches and the analytics writers
 * with their stores (one of each per data directory, or per PostgreSQL {@code keyStore} URL), the rate limiters with
 * their counters, and the source of API products.
 *
 * <p>Register {@link #factory()} under {@link #SERVICE}, and tell the module where products come from with
 * {@link #products(Supplier)} (for example {@code ProductCatalog.fromConfig(() -> server.snapshot().config())}).
 * Close it after the gateway: it writes pending last-used times and closes the stores.
 */
public final class ApiManagement implements AutoCloseable {

    /** The service name configuration uses: {@code service: api-management}. */
    public static final String SERVICE = "api-management";

    private final Clock clock;
    private final RateLimiter limiter;
    private final TokenEstimator estimator;
    private final UsageListener usageListener;
    private final @Nullable KeyStore fixedStore;
    /** Key stores this module opened, by data directory (SQLite) or JDBC URL (PostgreSQL). */
    private final Map<Object, KeyStore> keyStores = new HashMap<>();
    private final Map<Object, CredentialCache> caches = new HashMap<>();
    private final Map<String, RateLimiter> sharedLimiters = new HashMap<>();
    private final LimiterMetrics limiterMetrics = new LimiterMetrics();
    private final boolean fixedLimiter;
    private final @Nullable AnalyticsStore fixedAnalytics;
    private final AnalyticsWriter.Options analyticsOptions;
    /** Analytics stores this module opened, keyed as {@link #keyStores}. */
    private final Map<Object, AnalyticsStore> analyticsStores = new HashMap<>();
    private final Map<Object, AnalyticsWriter> writers = new HashMap<>();
    private final AnalyticsMetrics metrics = new AnalyticsMetrics();
    private volatile Supplier<ProductCatalog> products;

    private ApiManagement(Builder b) {
        clock = b.clock;
        limiter = b.limiter != null ? b.limiter : new InMemoryRateLimiter(clock);
        fixedLimiter = b.limiter != null;
        estimator = b.estimator;
        usageListener = b.usageListener;
        fixedStore = b.store;
        products = b.products;
        fixedAnalytics = b.analyticsStore;
        analyticsOptions = b.analyticsOptions;
    }

    /** Returns a builder with the system UTC clock, an in-process limiter and SQLite stores. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the factory of the {@code api-management} extension. */
    public ExtensionFactory factory() {
        return spec -> new ApiManagementExtension(this, spec, ApiManagementSettings.of(spec.metadata()));
    }

    /** Sets where API products come from; read on every request, so it may follow configuration reloads. */
    public ApiManagement products(Supplier<ProductCatalog> products) {
        this.products = requireNonNull(products, "products");
        return this;
    }

    /** Takes API products from the {@code ApiProduct} resources of the configuration {@code config} returns. */
    public ApiManagement productsFromConfig(Supplier<@Nullable GatewayConfig> config) {
        return products(ProductCatalog.fromConfig(config));
    }

    Clock clock() {
        return clock;
    }

    /**
     * Returns the limiter for {@code settings}: the builder's if one was set, else the in-process one, or a Redis one
     * per {@code rateLimiter} URI, failure mode and timeout, created on first use and kept across reloads.
     */
    synchronized RateLimiter limiter(ApiManagementSettings settings) {
        if (fixedLimiter || settings.rateLimiter() == null) {
            return limiter;
        }
        final String id = settings.rateLimiter() + '|' + settings.rateLimiterFailure() + '|' +
                          settings.rateLimiterTimeout();
        return sharedLimiters.computeIfAbsent(id, k -> RedisRateLimiter.builder(settings.rateLimiter())
                .clock(clock).failureMode(settings.rateLimiterFailure()).timeout(settings.rateLimiterTimeout())
                .metrics(limiterMetrics).build());
    }

    /**
     * Returns API management's metrics, to register with the gateway's registry (see
     * {@code ObserveOptions.collector}): the shared limiters' ({@code sluice_apim_limiter_*}) and the per-product and
     * per-model counters ({@code sluice_apim_requests_total}, {@code sluice_apim_tokens_total}, dropped analytics).
     */
    public MultiCollector metrics() {
        return () -> {
            final MetricSnapshots.Builder all = MetricSnapshots.builder();
            limiterMetrics.collect().forEach(all::metricSnapshot);
            metrics.collect().forEach(all::metricSnapshot);
            return all.build();
        };
    }

    TokenEstimator estimator() {
        return estimator;
    }

    UsageListener usageListener() {
        return usageListener;
    }

    ProductCatalog catalog() {
        return products.get();
    }

    /**
     * Returns the analytics writer for {@code settings}: the module's analytics store's if one was set, else the
     * {@code apim_analytics} table of the PostgreSQL {@code keyStore} (one table that every replica writes, each
     * record once), else {@code analytics.db} in the data directory; stores are opened on first use. {@code null}
     * when analytics is off in {@code settings}, or when the module was given a key store but no analytics store.
     */
    synchronized @Nullable AnalyticsWriter analytics(ApiManagementSettings settings) {
        if (!settings.analytics() || (fixedAnalytics == null && fixedStore != null)) {
            return null;
        }
        final Object id = fixedAnalytics != null ? fixedAnalytics : storeId(settings);
        AnalyticsWriter w = writers.get(id);
        if (w == null) {
            final AnalyticsStore store = fixedAnalytics != null ? fixedAnalytics : analyticsStores.computeIfAbsent(
                    id, k -> k instanceof String url ? JdbcAnalyticsStore.postgres(url)
                                                     : JdbcAnalyticsStore.sqlite((Path) k));
            w = new AnalyticsWriter(store, analyticsOptions);
            metrics.addDroppedSource(w::dropped);
            writers.put(id, w);
        }
        return w;
    }

    /** Counts one finished request and queues its record to {@code writer} (if any), which announced it. */
    void record(@Nullable AnalyticsWriter writer, AnalyticsRecord record) {
        if (writer != null) {
            writer.complete(record);
        }
        metrics.record(record);
    }

    /**
     * Returns the credential cache for {@code settings}' store: the module's key store if one was set, else the
     * PostgreSQL {@code keyStore}, else the SQLite store in the data directory; stores are opened on first use.
     */
    synchronized CredentialCache credentials(ApiManagementSettings settings) {
        final Object id = fixedStore != null ? fixedStore : storeId(settings);
        CredentialCache cache = caches.get(id);
        if (cache == null) {
            final KeyStore store = fixedStore != null ? fixedStore : keyStores.computeIfAbsent(
                    id, k -> k instanceof String url ? PostgresKeyStore.open(url, clock)
                                                     : SqliteKeyStore.open((Path) k, clock));
            cache = new CredentialCache(store, clock, settings.cacheSize(), settings.cacheSync());
            caches.put(id, cache);
        }
        return cache;
    }

    /** The PostgreSQL URL of {@code settings}, else its absolute data directory: where its stores are. */
    private static Object storeId(ApiManagementSettings settings) {
        final String url = settings.keyStore();
        return url != null ? url : settings.dataDir().toAbsolutePath().normalize();
    }

    /**
     * Writes pending analytics records (waiting for requests still in flight, bounded by the writer's
     * {@code closeTimeout}) and last-used times, and closes the stores this module opened and the limiter. Close it
     * after the gateway's listeners, so that requests in flight have ended.
     */
    @Override
    public synchronized void close() {
        final List<RuntimeException> failures = new ArrayList<>();
        // Writers flush into their stores, and caches write last-used times into theirs: close them first.
        closeAll(writers.values(), failures);
        closeAll(analyticsStores.values(), failures);
        closeAll(caches.values(), failures);
        closeAll(keyStores.values(), failures);
        closeAll(sharedLimiters.values(), failures);
        writers.clear();
        analyticsStores.clear();
        caches.clear();
        keyStores.clear();
        sharedLimiters.clear();
        limiter.close();
        if (!failures.isEmpty()) {
            final IllegalStateException e = new IllegalStateException("closing API management failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void closeAll(Iterable<? extends AutoCloseable> resources, List<RuntimeException> failures) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (RuntimeException e) {
                failures.add(e);
            } catch (Exception e) {
                failures.add(new IllegalStateException(e));
            }
        }
    }

    /** Builds an {@link ApiManagement}. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private @Nullable RateLimiter limiter;
        private TokenEstimator estimator = TokenEstimator.CHARS_PER_TOKEN;
        private UsageListener usageListener = UsageListener.NOOP;
        private @Nullable KeyStore store;
        private Supplier<ProductCatalog> products = ProductCatalog::empty;
        private @Nullable AnalyticsStore analyticsStore;
        private AnalyticsWriter.Options analyticsOptions = AnalyticsWriter.Options.defaults();

        private Builder() {}

        /**
         * Writes analytics of every extension to {@code store} (for example a PostgreSQL one shared by replicas);
         * the caller keeps ownership and closes it after the module. By default analytics go where the extension's
         * keys are: the PostgreSQL {@code keyStore}'s database, or {@code analytics.db} in its data directory; none
         * are written when {@link #keyStore} was set without an analytics store.
         */
        public Builder analyticsStore(AnalyticsStore store) {
            analyticsStore = requireNonNull(store, "store");
            return this;
        }

        /** Sets how analytics writers batch and bound themselves. */
        public Builder analyticsOptions(AnalyticsWriter.Options options) {
            analyticsOptions = requireNonNull(options, "options");
            return this;
        }

        /** Sets the clock for key expiry, quotas and timestamps. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Sets the limiter (default: in process, on the clock). */
        public Builder limiter(RateLimiter limiter) {
            this.limiter = requireNonNull(limiter, "limiter");
            return this;
        }

        /** Sets how tokens are estimated before the model server reports them. */
        public Builder tokenEstimator(TokenEstimator estimator) {
            this.estimator = requireNonNull(estimator, "estimator");
            return this;
        }

        /**
         * Uses {@code store} for every extension, whatever its {@code dataDir}; the caller keeps ownership and closes
         * it. By default each data directory gets its own SQLite store.
         */
        public Builder keyStore(KeyStore store) {
            this.store = requireNonNull(store, "store");
            return this;
        }

        /** Sets who hears of each request's token use (analytics, billing). */
        public Builder usageListener(UsageListener listener) {
            usageListener = requireNonNull(listener, "listener");
            return this;
        }

        /** Sets where API products come from. */
        public Builder products(Supplier<ProductCatalog> products) {
            this.products = requireNonNull(products, "products");
            return this;
        }

        public ApiManagement build() {
            return new ApiManagement(this);
        }
    }
}

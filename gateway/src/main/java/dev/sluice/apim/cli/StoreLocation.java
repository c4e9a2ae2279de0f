package dev.sluice.apim.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.function.UnaryOperator;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.ApiManagementSettings;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.store.KeyStore;
import dev.sluice.apim.store.PostgresKeyStore;
import dev.sluice.apim.store.SqliteKeyStore;

import picocli.CommandLine.Option;

/**
 * Where API management's data is, as the {@code api-management} extension sees it: SQLite files ({@code apim.db},
 * {@code analytics.db}) in a data directory, or one PostgreSQL database holding keys and analytics for several
 * replicas. A picocli mixin shared by {@code sluice keys|apps|developers|analytics} and {@code sluice serve}'s admin
 * API, so that all of them take the same two options.
 */
public final class StoreLocation {

    /** The environment variable that names a PostgreSQL store when {@code --key-store} is not given. */
    public static final String ENV = "SLUICE_KEY_STORE";

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The SQLite store's directory (the api-management extension's dataDir), holding apim.db " +
                          "and analytics.db. Default: $SLUICE_DATA_DIR, else the Sluice home's data folder.")
    @Nullable Path dataDir;

    @Option(names = "--key-store", paramLabel = "JDBC_URL",
            description = "A PostgreSQL database shared by several replicas (the api-management extension's " +
                          "keyStore), holding keys and analytics, e.g. jdbc:postgresql://db:5432/sluice?user=sluice. " +
                          "Default: $" + ENV + " unless --data-dir is given, else SQLite in the data directory " +
                          "(serve: else the store of the configuration's api-management extension).")
    @Nullable String keyStore;

    /** Reads environment variables; tests replace it. */
    UnaryOperator<@Nullable String> env = System::getenv;

    /**
     * Returns the PostgreSQL URL to use ({@code --key-store}, else {@code $SLUICE_KEY_STORE} unless {@code --data-dir}
     * was given), or {@code null} for the SQLite store in {@link #dataDir()}.
     */
    public @Nullable String postgresUrl() {
        if (keyStore != null) {
            if (dataDir != null) {
                throw new IllegalArgumentException("--data-dir and --key-store: choose one store");
            }
            return check("--key-store", keyStore);
        }
        final String fromEnv = env.apply(ENV);
        if (dataDir != null || fromEnv == null || fromEnv.isBlank()) {
            return null;
        }
        return check("$" + ENV, fromEnv);
    }

    /** Returns a location naming the store {@code settings} use: their {@code keyStore}, else their data directory. */
    public static StoreLocation of(ApiManagementSettings settings) {
        final StoreLocation l = new StoreLocation();
        if (settings.keyStore() != null) {
            l.keyStore = settings.keyStore();
        } else {
            l.dataDir = settings.dataDir();
        }
        return l;
    }

    /** Whether no option and no {@code $SLUICE_KEY_STORE} chose a store (so the default data directory applies). */
    public boolean isDefault() {
        final String fromEnv = env.apply(ENV);
        return keyStore == null && dataDir == null && (fromEnv == null || fromEnv.isBlank());
    }

    /** Returns the SQLite store's directory: {@code --data-dir}, else the default data directory. */
    public Path dataDir() {
        return dataDir != null ? dataDir : ApiManagementSettings.defaultDataDir();
    }

    /** Opens the key store (creating or migrating its schema). */
    public KeyStore openKeyStore(Clock clock) {
        final String url = postgresUrl();
        return url != null ? PostgresKeyStore.open(url, clock) : SqliteKeyStore.open(dataDir(), clock);
    }

    /** Opens the analytics store: the PostgreSQL database's table, or {@code analytics.db} in the data directory. */
    public AnalyticsStore openAnalytics() {
        final String url = postgresUrl();
        return url != null ? JdbcAnalyticsStore.postgres(url) : JdbcAnalyticsStore.sqlite(dataDir());
    }

    private static String check(String option, String url) {
        final String u = url.strip();
        if (!u.startsWith(ApiManagementSettings.POSTGRES_PREFIX)) {
            throw new IllegalArgumentException(option + ": " + PostgresKeyStore.redact(u) +
                                               " (expected: a JDBC URL starting with " +
                                               ApiManagementSettings.POSTGRES_PREFIX + ")");
        }
        return u;
    }
}

package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.limit.RedisRateLimiter;

/**
 * The {@code api-management} extension's settings, read from its {@code metadata}:
 *
 * <table>
 *   <caption>metadata keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code keyHeaders}</td><td>{@code x-api-key,authorization}</td><td>headers to take the key from, in
 *       order; from {@code authorization} only a {@code Bearer} token is taken</td></tr>
 *   <tr><td>{@code defaultSecurityEnabled}</td><td>{@code false}</td><td>answer a request without a key with the
 *       APIM Operator's {@code RF-insufficient-request-raise-fault} instead of
 *       {@code FailedToResolveAPIKey}</td></tr>
 *   <tr><td>{@code dataDir}</td><td>{@code $SLUICE_DATA_DIR}, else {@code $SLUICE_HOME/data}</td><td>where the
 *       SQLite key store ({@code apim.db}) and analytics ({@code analytics.db}) live</td></tr>
 *   <tr><td>{@code stripCredentials}</td><td>{@code true}</td><td>remove the key's header before the request goes
 *       to the model server</td></tr>
 *   <tr><td>{@code trustClientObjective}</td><td>{@code false}</td><td>keep an
 *       {@code x-gateway-inference-objective} the client sent when the product sets none (by default it is removed,
 *       so clients cannot raise their own priority)</td></tr>
 *   <tr><td>{@code defaultMaxTokens}</td><td>{@code 256}</td><td>output tokens reserved for a request without
 *       {@code max_tokens} when its product sets no {@code defaultMaxTokens}</td></tr>
 *   <tr><td>{@code includeUsage}</td><td>{@code true}</td><td>ask the model server for a usage chunk on streams
 *       that did not ask for one (and hide it from the client)</td></tr>
 *   <tr><td>{@code cacheSync}</td><td>{@code 1s}</td><td>how often key changes from other processes are picked
 *       up</td></tr>
 *   <tr><td>{@code cacheSize}</td><td>{@code 100000}</td><td>credentials kept in memory</td></tr>
 *   <tr><td>{@code keyStore}</td><td>(none: SQLite in {@code dataDir})</td><td>a PostgreSQL JDBC URL
 *       ({@code jdbc:postgresql://host:5432/db?user=…}) for a key store shared by several replicas; their analytics
 *       go to the same database</td></tr>
 *   <tr><td>{@code rateLimiter}</td><td>{@code memory}</td><td>where counters live: {@code memory} (this process)
 *       or a Redis URI ({@code redis://host:6379/0}, {@code rediss://…}) shared by several replicas</td></tr>
 *   <tr><td>{@code rateLimiterFailure}</td><td>{@code open}</td><td>when Redis does not answer in time:
 *       {@code open} admits the request uncounted, {@code closed} refuses it with a 503 fault</td></tr>
 *   <tr><td>{@code rateLimiterTimeout}</td><td>{@code 50ms}</td><td>how long one Redis decision may take</td></tr>
 *   <tr><td>{@code analytics}</td><td>{@code true}</td><td>write one analytics record per request (into the
 *       module's analytics store if it has one, else the {@code keyStore}'s database, else {@code analytics.db} in
 *       {@code dataDir})</td></tr>
 * </table>
 *
 * <p>See {@code docs/api-management-stores.md} for running several replicas.
 */
public record ApiManagementSettings(List<String> keyHeaders, boolean defaultSecurityEnabled, Path dataDir,
                                    boolean stripCredentials, boolean trustClientObjective, int defaultMaxTokens,
                                    boolean includeUsage, Duration cacheSync, long cacheSize,
                                    @Nullable String keyStore, @Nullable String rateLimiter,
                                    RedisRateLimiter.FailureMode rateLimiterFailure, Duration rateLimiterTimeout, boolean analytics) {

    private static final Set<String> KEYS = Set.of("keyHeaders", "defaultSecurityEnabled", "dataDir",
                                                   "stripCredentials", "trustClientObjective", "defaultMaxTokens",
                                                   "includeUsage", "cacheSync", "cacheSize", "keyStore",
                                                   "rateLimiter", "rateLimiterFailure", "rateLimiterTimeout",
                                                   "analytics");
    private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+\\-.^_`|~]+");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    public ApiManagementSettings {
        keyHeaders = List.copyOf(keyHeaders);
        requireNonNull(dataDir, "dataDir");
        requireNonNull(cacheSync, "cacheSync");
        requireNonNull(rateLimiterFailure, "rateLimiterFailure");
        requireNonNull(rateLimiterTimeout, "rateLimiterTimeout");
        if (keyHeaders.isEmpty()) {
            throw new IllegalArgumentException("keyHeaders: (empty) (expected: at least one header name)");
        }
        if (keyStore != null && !keyStore.startsWith(POSTGRES_PREFIX)) {
            throw new IllegalArgumentException("metadata.keyStore: " + keyStore +
                                               " (expected: a JDBC URL starting with " + POSTGRES_PREFIX + ")");
        }
        if (rateLimiter != null && !rateLimiter.startsWith("redis://") && !rateLimiter.startsWith("rediss://")) {
            throw new IllegalArgumentException("metadata.rateLimiter: " + rateLimiter +
                                               " (expected: memory, or a URI starting with redis:// or rediss://)");
        }
    }

    /** The settings with one SQLite store per data directory and counters in this process. */
    public ApiManagementSettings(List<String> keyHeaders, boolean defaultSecurityEnabled, Path dataDir,
                                 boolean stripCredentials, boolean trustClientObjective, int defaultMaxTokens,
                                 boolean includeUsage, Duration cacheSync, long cacheSize) {
        this(keyHeaders, defaultSecurityEnabled, dataDir, stripCredentials, trustClientObjective, defaultMaxTokens,
             includeUsage, cacheSync, cacheSize, null, null, RedisRateLimiter.FailureMode.OPEN,
             Duration.ofMillis(50), true);
    }

    /** Shows the key store URL without its parameters, which may hold a password. */
    @Override
    public String toString() {
        return "ApiManagementSettings[keyHeaders=" + keyHeaders + ", defaultSecurityEnabled=" +
               defaultSecurityEnabled + ", dataDir=" + dataDir + ", stripCredentials=" + stripCredentials +
               ", trustClientObjective=" + trustClientObjective + ", defaultMaxTokens=" + defaultMaxTokens +
               ", includeUsage=" + includeUsage + ", cacheSync=" + cacheSync + ", cacheSize=" + cacheSize +
               ", keyStore=" + (keyStore == null ? null : keyStore.replaceFirst("\\?.*", "?…")) +
               ", rateLimiter=" + (rateLimiter == null ? null : rateLimiter.replaceFirst("//[^/@]*@", "//…@")) +
               ", rateLimiterFailure=" + rateLimiterFailure + ", rateLimiterTimeout=" + rateLimiterTimeout + ']';
    }

    /** The prefix of a PostgreSQL JDBC URL. */
    public static final String POSTGRES_PREFIX = "jdbc:postgresql:";

    /** Returns the settings of {@code metadata}, rejecting unknown keys and bad values. */
    public static ApiManagementSettings of(Map<String, String> metadata) {
        for (String k : metadata.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("metadata." + k + ": unknown key (expected: one of " +
                                                   String.join(", ", KEYS.stream().sorted().toList()) + ')');
            }
        }
        final List<String> headers = new ArrayList<>();
        for (String h : metadata.getOrDefault("keyHeaders", "x-api-key,authorization").split(",")) {
            final String name = h.strip().toLowerCase(Locale.ROOT);
            if (!HEADER.matcher(name).matches()) {
                throw new IllegalArgumentException("metadata.keyHeaders: " + metadata.get("keyHeaders") +
                                                   " (expected: header names separated by commas)");
            }
            headers.add(name);
        }
        final String dir = metadata.get("dataDir");
        return new ApiManagementSettings(
                headers, bool(metadata, "defaultSecurityEnabled", false),
                dir != null ? Path.of(dir) : defaultDataDir(), bool(metadata, "stripCredentials", true),
                bool(metadata, "trustClientObjective", false),
                (int) number(metadata, "defaultMaxTokens", 256, 0, Integer.MAX_VALUE),
                bool(metadata, "includeUsage", true), duration(metadata, "cacheSync", Duration.ofSeconds(1)),
                number(metadata, "cacheSize", 100_000, 1, Long.MAX_VALUE),
                blankToNull(metadata.get("keyStore")), rateLimiter(metadata.get("rateLimiter")),
                failureMode(metadata.get("rateLimiterFailure")),
                duration(metadata, "rateLimiterTimeout", Duration.ofMillis(50)),
                bool(metadata, "analytics", true));
    }

    private static @Nullable String blankToNull(@Nullable String v) {
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static @Nullable String rateLimiter(@Nullable String v) {
        final String s = blankToNull(v);
        return s == null || "memory".equals(s) ? null : s;
    }

    private static RedisRateLimiter.FailureMode failureMode(@Nullable String v) {
        if (v == null) {
            return RedisRateLimiter.FailureMode.OPEN;
        }
        try {
            return RedisRateLimiter.FailureMode.ofConfigName(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata.rateLimiterFailure: " + v + " (expected: open or closed)");
        }
    }

    /** Returns the default data directory: {@code $SLUICE_DATA_DIR}, else the Sluice home's {@code data}. */
    public static Path defaultDataDir() {
        final String env = System.getenv("SLUICE_DATA_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        final String home = System.getProperty("sluice.home", System.getenv().getOrDefault("SLUICE_HOME", "."));
        return Path.of(home).resolve("data");
    }

    private static boolean bool(Map<String, String> m, String key, boolean def) {
        final String v = m.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("metadata." + key + ": " + v + " (expected: true or false)");
        };
    }

    private static long number(Map<String, String> m, String key, long def, long min, long max) {
        final String v = m.get(key);
        if (v == null) {
            return def;
        }
        try {
            final long n = Long.parseLong(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw new IllegalArgumentException("metadata." + key + ": " + v + " (expected: an integer " + min + ".." +
                                           max + ')');
    }

    private static Duration duration(Map<String, String> m, String key, Duration def) {
        final String v = m.get(key);
        if (v == null) {
            return def;
        }
        final Duration d = parseDuration(v.strip());
        if (d == null || d.isZero()) {
            throw new IllegalArgumentException("metadata." + key + ": " + v +
                                               " (expected: a duration > 0 such as 500ms, 1s or 5m)");
        }
        return d;
    }

    /** Parses {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}, or returns {@code null}. */
    static @Nullable Duration parseDuration(String s) {
        final Matcher x = DURATION.matcher(s);
        if (!x.matches()) {
            return null;
        }
        final long n = Long.parseLong(x.group(1));
        return switch (x.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}

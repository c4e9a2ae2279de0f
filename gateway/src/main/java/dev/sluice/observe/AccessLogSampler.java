package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.Resources.BackendPolicySpec;
import dev.sluice.config.Resources.LoggingPolicy;
import dev.sluice.config.Resources.Resource;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.GatewaySnapshot;

/**
 * Decides which exchanges get an access log line, like GCPBackendPolicy's {@code logging}: per pool, logging must be
 * {@code enabled} and then a {@code sampleRate} in millionths of the requests are kept. Errors (status 400 and above,
 * a reset before headers, or any error detail) are kept whatever the sample rate, as long as logging is enabled.
 *
 * <p>Exchanges with no pool (no route, an unknown model, a plain {@code Service} backend, a malformed body) follow a
 * gateway-wide default, which is off unless set (see {@link ObserveOptions#accessLogDefault(int)}).
 *
 * <p>The random source is injected so that tests can replay a sequence of decisions.
 */
public final class AccessLogSampler {

    /** One in a million: the unit of {@code sampleRate}. */
    public static final int MILLION = 1_000_000;

    private final @Nullable LoggingPolicy unrouted;
    private final RandomGenerator random;
    private volatile Cached cached = new Cached(null, Map.of());

    private record Cached(@Nullable GatewaySnapshot snapshot, Map<String, LoggingPolicy> byPool) {}

    /**
     * Creates a sampler.
     *
     * @param unrouted the policy of exchanges with no pool, or {@code null} to log none of them
     * @param random draws the sample
     */
    public AccessLogSampler(@Nullable LoggingPolicy unrouted, RandomGenerator random) {
        this.unrouted = unrouted;
        this.random = requireNonNull(random, "random");
    }

    /** Returns whether {@code r} is logged under {@code snapshot}'s policies. */
    public boolean shouldLog(ExchangeRecord r, GatewaySnapshot snapshot) {
        final LoggingPolicy policy = r.pool() != null ? policies(snapshot).get(r.pool()) : unrouted;
        if (policy == null || !policy.enabled()) {
            return false;
        }
        if (isError(r)) {
            return true;
        }
        final int rate = policy.sampleRate();
        if (rate >= MILLION) {
            return true;
        }
        return rate > 0 && random.nextInt(MILLION) < rate;
    }

    /** Returns whether {@code r} failed: such exchanges are logged whatever the sample rate. */
    public static boolean isError(ExchangeRecord r) {
        return r.status() >= 400 || r.status() == 0 || r.errorDetail() != null;
    }

    private Map<String, LoggingPolicy> policies(GatewaySnapshot snapshot) {
        final Cached c = cached;
        if (c.snapshot == snapshot) {
            return c.byPool;
        }
        final Map<String, LoggingPolicy> byPool = new HashMap<>();
        for (Resource<BackendPolicySpec> bp : snapshot.config().backendPolicies()) {
            if (bp.spec().targetRef() != null && bp.spec().logging() != null) {
                byPool.put(bp.spec().targetRef().name(), bp.spec().logging());
            }
        }
        cached = new Cached(snapshot, Map.copyOf(byPool));
        return byPool;
    }
}

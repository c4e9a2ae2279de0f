package dev.sluice.apim.limit;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sluice.testing.RedisServer;

/** The limiter contract against a real {@code redis-server}; each test gets its own key prefix. */
class RedisRateLimiterTest extends RateLimiterContractTest {

    @RegisterExtension
    static final RedisServer redis = new RedisServer();

    private static final AtomicInteger TESTS = new AtomicInteger();

    @Override
    protected RateLimiter newLimiter(Clock clock) {
        return RedisRateLimiter.builder(redis.uri()).clock(clock).keyPrefix("t" + TESTS.incrementAndGet() + ':')
                               // Generous: the contract is about semantics, not latency on a loaded machine.
                               .timeout(java.time.Duration.ofSeconds(5))
                               .failureMode(RedisRateLimiter.FailureMode.CLOSED).build();
    }
}

package dev.sluice.apim.limit;

import java.time.Clock;

class InMemoryRateLimiterTest extends RateLimiterContractTest {

    @Override
    protected RateLimiter newLimiter(Clock clock) {
        return new InMemoryRateLimiter(clock);
    }
}

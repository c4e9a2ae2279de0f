/**
 * Request quotas, token quotas with reservations, and spike arrest behind one interface
 * ({@link dev.sluice.apim.limit.RateLimiter}), so that the in-process implementation and the shared one
 * ({@link dev.sluice.apim.limit.RedisRateLimiter}, one round trip per decision) pass the same contract tests.
 */
@NullMarked
package dev.sluice.apim.limit;

import org.jspecify.annotations.NullMarked;

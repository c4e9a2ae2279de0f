/**
 * Request quotas, token quotas with reservations, and spike arrest behind one interface
 * ({@link dev.sluice.apim.limit.RateLimiter}), so that an in-process implementation and a shared one (Redis, one
 * round trip per decision) pass the same contract tests.
 */
@NullMarked
package dev.sluice.apim.limit;

import org.jspecify.annotations.NullMarked;

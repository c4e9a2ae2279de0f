/**
 * API management, Apigee-style: developers own apps, apps hold API keys and subscribe to API products, and products
 * say which models and operations a key may use under which quotas, token quotas and spike arrest. The built-in
 * {@code api-management} traffic extension ({@link dev.sluice.apim.ApiManagementExtension}) enforces them with
 * Apigee's fault bodies and status codes.
 *
 * <p>Keys live in a {@link dev.sluice.apim.store.KeyStore} (SQLite embedded by default) behind an in-memory cache, so
 * the request path does not wait on the database; counters live in a {@link dev.sluice.apim.limit.RateLimiter}.
 */
@NullMarked
package dev.sluice.apim;

import org.jspecify.annotations.NullMarked;

/**
 * API management, Apigee-style: developers own apps, apps hold API keys and subscribe to API products, and products
 * say which models and operations a key may use under which quotas, token quotas and spike arrest. The built-in
 * {@code api-management} traffic extension ({@link dev.sluice.apim.ApiManagementExtension}) enforces them with
 * Apigee's fault bodies and status codes; {@link dev.sluice.apim.ApiManagement} is the module that builds it and
 * holds what outlives a configuration reload.
 *
 * <p>Keys live in a {@link dev.sluice.apim.store.KeyStore} (SQLite embedded by default, PostgreSQL for several
 * replicas) behind a {@link dev.sluice.apim.store.CredentialCache}, so the request path does not wait on the
 * database; counters live in a {@link dev.sluice.apim.limit.RateLimiter} (in process by default, Redis for several
 * replicas; both pass the same contract test);
 * every admitted request is reported to a {@link dev.sluice.apim.UsageListener}, and every request the extension saw
 * ends as one {@link dev.sluice.apim.analytics.AnalyticsRecord}, counted in per-product metrics and written in
 * batches to an {@link dev.sluice.apim.analytics.AnalyticsStore}.
 *
 * <p>Two hooks of the extension API serve it: {@link dev.sluice.extension.ExtensionCall#onEnd()} tells the
 * extension how each exchange ended on every path (so reservations are settled at once: a client that left is charged
 * for what was generated, a request that never reached a model gets its tokens back), and
 * {@link dev.sluice.extension.ExtensionCall#priority(int)} sets a product's priority for whichever pool the request
 * is routed to.
 *
 * <h2>Known limits of the extension API, and the hooks that would lift them</h2>
 * <ul>
 *   <li><b>Products come from a supplier.</b> {@code ExtensionFactory.create(ExtensionSpec)} does not see the
 *       configuration, so the module reads {@code ApiProduct}s from the served snapshot through a supplier bound
 *       after the server starts. {@code create(ExtensionSpec, GatewayConfig)} would give each extension the products
 *       of its own snapshot.</li>
 * </ul>
 */
@NullMarked
package dev.sluice.apim;

import org.jspecify.annotations.NullMarked;

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
 * every admitted request is reported to a {@link dev.sluice.apim.UsageListener} (analytics later).
 *
 * <h2>Known limits of the extension API, and the hooks that would lift them</h2>
 * <ul>
 *   <li><b>No end-of-exchange signal.</b> A request whose end the extension does not see (a client that leaves
 *       mid-stream, an answer the gateway gives itself after admission, such as no route or no capacity) is settled
 *       when its {@code ExtensionCall} is garbage-collected, through a {@link java.lang.ref.Cleaner}: with the tokens
 *       counted so far if the response had started, else with none. That is correct but late (a collection away). A
 *       {@code CompletableFuture} on {@code ExtensionCall} completed by the proxy when the exchange's log completes
 *       (status, whether the client cancelled) would settle it at once.</li>
 *   <li><b>Priority by name only.</b> A product's priority is the {@code InferenceObjective} it names, sent as
 *       {@code x-gateway-inference-objective}; the proxy applies it only when the objective's pool is the routed
 *       pool. A product spanning pools needs one objective per pool, or a pool-independent priority the extension
 *       could set (for example {@code ExtensionCall.priority(int)}).</li>
 *   <li><b>Products come from a supplier.</b> {@code ExtensionFactory.create(ExtensionSpec)} does not see the
 *       configuration, so the module reads {@code ApiProduct}s from the served snapshot through a supplier bound
 *       after the server starts. {@code create(ExtensionSpec, GatewayConfig)} would give each extension the products
 *       of its own snapshot.</li>
 * </ul>
 */
@NullMarked
package dev.sluice.apim;

import org.jspecify.annotations.NullMarked;

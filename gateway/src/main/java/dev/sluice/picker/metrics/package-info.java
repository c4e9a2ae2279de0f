/**
 * Model-server metrics for the endpoint picker: scraping each endpoint's Prometheus page, reading it per engine
 * (vLLM, SGLang, trtllm-serve, Triton TensorRT-LLM), judging its freshness, and combining it with the gateway's
 * exact count of its own requests.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link dev.sluice.picker.metrics.PrometheusTextParser}: a tolerant text-format parser that extracts only
 *       the requested samples.</li>
 *   <li>{@link dev.sluice.picker.metrics.EngineMetricsMapping}: metric names per engine, and how several series
 *       of one metric combine into {@link dev.sluice.picker.metrics.ModelServerMetrics}.</li>
 *   <li>{@link dev.sluice.picker.metrics.MetricsScraper}: one loop per endpoint on an injected scheduler, writing
 *       into an {@link dev.sluice.picker.metrics.EndpointMetricsStore}.</li>
 *   <li>{@link dev.sluice.picker.metrics.EndpointMetricsStore}: snapshots with a
 *       {@link dev.sluice.picker.metrics.MetricsState} computed at read time, and
 *       {@link dev.sluice.picker.metrics.EndpointLoad}, which adds {@link dev.sluice.picker.metrics.LocalLoad}'s
 *       counts of the gateway's own requests.</li>
 * </ul>
 *
 * <h2>Wiring it into the gateway</h2>
 * <ol>
 *   <li>At startup: {@code store = new EndpointMetricsStore(System::nanoTime, staleness, localLoad)} and
 *       {@code scraper = MetricsScraper.builder(store).interval(...).timeout(...).build()}; close the scraper at
 *       shutdown.</li>
 *   <li>On every configuration snapshot: build one {@link dev.sluice.picker.metrics.ScrapeTarget} per distinct
 *       pool endpoint, {@code ScrapeTarget.of(endpoint, EngineMetricsMapping.select(endpointLabels, poolEngine))}
 *       (with {@code withPort}/{@code withPath} for servers that publish metrics elsewhere, such as Triton on
 *       8002), and call {@code scraper.setTargets(targets)}. Unknown engine names throw
 *       {@link java.lang.IllegalArgumentException}; validate them when loading configuration.</li>
 *   <li>In the proxy, next to {@code Endpoint.acquire()}: {@code InFlight f = localLoad.onSend(endpoint,
 *       LocalLoad.estimateTokens(promptChars, maxTokens))}; and next to every {@code Endpoint.release()}:
 *       {@code f.onFinish()} (idempotent, so it may also go in a final cleanup). A retry on a fallback endpoint is
 *       a new {@code onSend} on that endpoint.</li>
 *   <li>In the picker: {@code store.load(endpoint.authority())} per candidate. Only fresh loads have finite
 *       estimates; see {@link dev.sluice.picker.metrics.EndpointLoad} for what stale ones read as.</li>
 *   <li>In the admin API: serialize {@code store.describe()} as JSON.</li>
 * </ol>
 */
@NullMarked
package dev.sluice.picker.metrics;

import org.jspecify.annotations.NullMarked;

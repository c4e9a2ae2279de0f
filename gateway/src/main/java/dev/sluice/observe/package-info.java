/**
 * Observability: Prometheus metrics with the Gateway API Inference Extension's names, a sampled JSON access log,
 * and OpenTelemetry spans, all built from the {@link dev.sluice.proxy.ExchangeRecord} each exchange leaves.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link dev.sluice.observe.GatewayMetrics}: the {@code inference_model_*} (or {@code inference_objective_*},
 *       see {@link dev.sluice.observe.MetricNaming}), {@code inference_pool_*}, {@code inference_extension_*} and
 *       {@code sluice_*} families, with bounded labels ({@link dev.sluice.observe.ModelLabels},
 *       {@link dev.sluice.observe.ErrorDetails}) and GIE's error codes ({@link dev.sluice.observe.GieErrorCodes});
 *       served by {@link dev.sluice.observe.MetricsService}.</li>
 *   <li>{@link dev.sluice.observe.AccessLog}: sampling per pool from {@code BackendPolicy} logging
 *       ({@link dev.sluice.observe.AccessLogSampler}), one JSON line per kept exchange
 *       ({@link dev.sluice.observe.AccessLogFormat}) written off the request's thread.</li>
 *   <li>{@link dev.sluice.observe.ExchangeTracer}: spans after the fact, with the ids the proxy propagated,
 *       exported over OTLP.</li>
 *   <li>{@link dev.sluice.observe.Observability}: the three behind one
 *       {@link dev.sluice.proxy.ExchangeListener}, configured by {@link dev.sluice.observe.ObserveOptions}.</li>
 * </ul>
 *
 * <p>The alert rules and dashboard these metrics feed are in {@code deploy/prometheus} and {@code deploy/grafana}.
 */
@NullMarked
package dev.sluice.observe;

import org.jspecify.annotations.NullMarked;

package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.EndpointPicker;
import dev.sluice.picker.PickRequest;
import dev.sluice.picker.flow.Admission;
import dev.sluice.picker.flow.FlowListener;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.picker.scheduler.Schedule;
import dev.sluice.picker.scheduler.Scheduler;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.ExtensionCallRecord;
import dev.sluice.proxy.GatewaySnapshot;
import dev.sluice.routing.ModelCatalog;
import dev.sluice.routing.ModelRewrites;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The gateway's Prometheus metrics, with the names, types, labels and buckets of the Gateway API Inference
 * Extension's endpoint picker (GIE v1.5 {@code pkg/epp/metrics/metrics.go}) plus Sluice's own under {@code sluice_}.
 *
 * <h2>Families</h2>
 * <ul>
 *   <li>Per model ({@code inference_model_*}, or {@code inference_objective_*} with {@link MetricNaming#OBJECTIVE}),
 *       labels {@code model_name}, {@code target_model_name}: {@code request_total} (every request whose body was
 *       read on an OpenAI path or named a model; {@code priority} too with the objective names),
 *       {@code request_error_total} (+ {@code error_code}, see {@link GieErrorCodes}),
 *       {@code request_duration_seconds}, {@code request_sizes}, {@code response_sizes}, {@code input_tokens},
 *       {@code output_tokens}, {@code prompt_cached_tokens}, {@code normalized_time_per_output_token_seconds},
 *       {@code request_ttft_seconds} (streams), and {@code running_requests} (label {@code model_name} only).</li>
 *   <li>Per pool ({@code inference_pool_*}, label {@code name}), computed at scrape time by
 *       {@link PoolMetricsCollector}.</li>
 *   <li>Picker internals: {@code inference_extension_scheduler_e2e_duration_seconds},
 *       {@code inference_extension_model_rewrite_decisions_total}, {@code inference_extension_info}; per pool
 *       (label {@code inference_pool}, where GIE has one pool per picker), under {@code inference_extension_}:
 *       flow control's {@code flow_control_queue_size} (+ {@code priority}) and
 *       {@code flow_control_request_queue_duration_seconds} (+ {@code priority}, {@code outcome}; 0 for requests
 *       admitted at once), and the prefix indexer's {@code prefix_indexer_size}, {@code prefix_indexer_hit_ratio}
 *       and {@code prefix_indexer_hit_bytes}.</li>
 *   <li>Sluice's own: {@code sluice_extension_calls_total}, {@code sluice_extension_call_duration_seconds},
 *       {@code sluice_upstream_retries_total}, {@code sluice_upstream_failures_total},
 *       {@code sluice_requests_shed_total}, {@code sluice_requests_queued_total},
 *       {@code sluice_config_reloads_total}, {@code sluice_error_detail_total} and
 *       {@code sluice_access_log_dropped_total}.</li>
 * </ul>
 *
 * <h2>When requests are counted</h2>
 * GIE increments {@code request_total} once the body has been processed; Sluice counts each exchange when it ends,
 * from its record, so that the error ratio's numerator and denominator move together and no request is missed or
 * counted twice. {@code running_requests} follows the body's arrival ({@code onRequest}) to the record.
 *
 * <h2>Bounded labels</h2>
 * Model names go through {@link ModelLabels} and error details through {@link ErrorDetails}; pool, extension and
 * event names come from configuration, outcomes and reasons from fixed sets.
 *
 * <h2>Cost</h2>
 * Everything is recorded once per exchange from its {@link ExchangeRecord}. The data points of a model's series are
 * looked up once and cached together, so a record costs one map lookup and a handful of lock-free increments.
 */
public final class GatewayMetrics {

    /** GIE's general latency buckets (seconds). */
    static final double[] GEN = { 0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8,
                                  10, 15, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700,
                                  3600 };
    /** GIE's normalized time per output token buckets (seconds). */
    static final double[] NTPOT = { 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0 };
    /** GIE's request size buckets (bytes): 64 B to 1 GiB. */
    static final double[] REQUEST_SIZES = { 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072,
                                            262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216,
                                            33554432, 67108864, 134217728, 268435456, 536870912, 1073741824 };
    /** GIE's response size buckets (bytes), with its {@code 32778} kept as is. */
    static final double[] RESPONSE_SIZES = { 1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32778,
                                             65536 };
    /** GIE's input token buckets (also used for cached prompt tokens), with its {@code 32778} kept as is. */
    static final double[] INPUT_TOKENS = { 1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32778,
                                           65536, 131072, 262144, 524288, 1048576 };
    /** GIE's output token buckets. */
    static final double[] OUTPUT_TOKENS = { 1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192 };
    /** GIE's scheduler buckets (seconds). */
    static final double[] SCHED = { 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1 };
    /** Flow-control queue wait buckets (seconds): GIE's range, 0.1 ms to 60 s. */
    static final double[] QUEUE_WAIT = { 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
                                         30, 60 };
    /** GIE's prefix indexer hit ratio buckets: 0 to 1 in steps of 0.1. */
    static final double[] HIT_RATIO = { 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1 };
    /** GIE's prefix indexer hit bytes buckets: 0, then 16 to 65,536 doubling. */
    static final double[] HIT_BYTES = { 0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536 };
    /** Extension call buckets (seconds): in-process calls take microseconds, callouts up to the 10 s timeout. */
    static final double[] EXTENSION = { 0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                        1, 2.5, 5, 10 };

    private static final double NANOS = 1e9;

    private final PrometheusRegistry registry;
    private final MetricNaming naming;
    private final Supplier<GatewaySnapshot> snapshot;
    private final ModelLabels models = new ModelLabels();
    private final ErrorDetails details = new ErrorDetails();

    private final Counter requests;
    private final Counter errors;
    private final Histogram duration;
    private final Histogram requestSizes;
    private final Histogram responseSizes;
    private final Histogram inputTokens;
    private final Histogram outputTokens;
    private final Histogram cachedTokens;
    private final Histogram ntpot;
    private final Histogram ttft;
    private final Histogram schedulerE2e;
    private final Histogram queueWait;
    private final Histogram prefixHitRatio;
    private final Histogram prefixHitBytes;
    private final Counter rewriteDecisions;
    private final Counter extensionCalls;
    private final Histogram extensionDuration;
    private final Counter retries;
    private final Counter upstreamFailures;
    private final Counter shed;
    private final Counter queued;
    private final Counter reloads;
    private final Counter errorDetails;
    private final Counter accessLogDropped;
    private final CounterDataPoint reloadSuccess;
    private final CounterDataPoint reloadFailure;
    private final DistributionDataPoint schedulerE2eAll;

    private final ConcurrentHashMap<SeriesKey, ModelSeries> series = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CounterDataPoint> simpleSeries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ExtensionSeries> extensionSeries = new ConcurrentHashMap<>();
    /** Requests in flight by the model name the client sent; entries leave when they reach zero. */
    private final ConcurrentHashMap<String, Integer> running = new ConcurrentHashMap<>();
    /** Every label the running-requests gauge has reported (bounded like all model labels). */
    private final Set<String> runningLabels = ConcurrentHashMap.newKeySet();
    private volatile @Nullable GatewaySnapshot initializedFor;

    /**
     * Creates the metrics and registers them in a new registry.
     *
     * @param snapshot the current configuration (its catalog bounds the model labels; its pools are reported)
     * @param endpoints the scraped model-server metrics the pool gauges are computed from
     */
    public GatewayMetrics(MetricNaming naming, Supplier<GatewaySnapshot> snapshot, EndpointMetricsStore endpoints) {
        this.naming = requireNonNull(naming, "naming");
        this.snapshot = requireNonNull(snapshot, "snapshot");
        requireNonNull(endpoints, "endpoints");
        registry = new PrometheusRegistry();
        final String p = naming.prefix();
        final String[] modelLabels = { "model_name", "target_model_name" };
        final String what = naming == MetricNaming.MODEL ? "model" : "objective";
        requests = Counter.builder().name(p + "_request_total")
                          .help("Counter of inference " + what + " requests broken out for each model and target " +
                                "model.")
                          .labelNames(naming == MetricNaming.OBJECTIVE
                                      ? new String[] { "model_name", "target_model_name", "priority" }
                                      : modelLabels)
                          .withoutExemplars().register(registry);
        errors = Counter.builder().name(p + "_request_error_total")
                        .help("Counter of inference " + what + " requests errors broken out for each model and " +
                              "target model.")
                        .labelNames("model_name", "target_model_name", "error_code")
                        .withoutExemplars().register(registry);
        duration = histogram(p + "_request_duration_seconds",
                             "Inference " + what + " response latency distribution in seconds for each model and " +
                             "target model.", GEN, modelLabels);
        requestSizes = histogram(p + "_request_sizes",
                                 "Inference " + what + " requests size distribution in bytes for each model and " +
                                 "target model.", REQUEST_SIZES, modelLabels);
        responseSizes = histogram(p + "_response_sizes",
                                  "Inference " + what + " responses size distribution in bytes for each model and " +
                                  "target model.", RESPONSE_SIZES, modelLabels);
        inputTokens = histogram(p + "_input_tokens",
                                "Inference " + what + " input token count distribution for requests in each model.",
                                INPUT_TOKENS, modelLabels);
        outputTokens = histogram(p + "_output_tokens",
                                 "Inference " + what + " output token count distribution for requests in each " +
                                 "model.", OUTPUT_TOKENS, modelLabels);
        cachedTokens = histogram(p + "_prompt_cached_tokens",
                                 "Inference " + what + " prompt cached token count distribution for requests in " +
                                 "each model.", INPUT_TOKENS, modelLabels);
        ntpot = histogram(p + "_normalized_time_per_output_token_seconds",
                          "Inference " + what + " latency divided by number of output tokens in seconds for each " +
                          "model and target model.", NTPOT, modelLabels);
        ttft = histogram(p + "_request_ttft_seconds",
                         "Inference " + what + " time to first token in seconds for each model and target model " +
                         "(streamed responses).", GEN, modelLabels);
        GaugeWithCallback.builder().name(p + "_running_requests")
                         .help("Inference " + what + " number of running requests in each model.")
                         .labelNames("model_name")
                         .callback(cb -> {
                             final ModelCatalog catalog = this.snapshot.get().catalog();
                             final Map<String, Integer> byLabel = new HashMap<>();
                             running.forEach((model, n) -> byLabel.merge(models.label(model, catalog, false), n,
                                                                          Integer::sum));
                             // A model seen once keeps a series, at 0 when idle, as a GIE gauge would.
                             runningLabels.addAll(byLabel.keySet());
                             for (String label : runningLabels) {
                                 cb.call(byLabel.getOrDefault(label, 0), label);
                             }
                         })
                         .register(registry);

        registry.register(new PoolMetricsCollector(snapshot, endpoints));
        queueWait = histogram("inference_extension_flow_control_request_queue_duration_seconds",
                              "Time requests spent in the flow-control queue of a pool, by outcome, in seconds " +
                              "(0 for requests admitted at once).", QUEUE_WAIT, "inference_pool", "priority",
                              "outcome");
        GaugeWithCallback.builder().name("inference_extension_flow_control_queue_size")
                         .help("Requests waiting in the flow-control queue of a pool, by priority.")
                         .labelNames("inference_pool", "priority")
                         .callback(cb -> {
                             for (GatewaySnapshot.Pool pool : new java.util.TreeMap<>(this.snapshot.get().pools())
                                     .values()) {
                                 final Map<Integer, Integer> sizes = pool.flow().queueSizes().get(pool.name());
                                 // A pool with nothing queued reports priority 0 at 0, so its series never vanish.
                                 if (sizes == null || sizes.isEmpty()) {
                                     cb.call(0, pool.name(), "0");
                                     continue;
                                 }
                                 sizes.forEach((priority, n) -> cb.call(n, pool.name(), Integer.toString(priority)));
                             }
                         })
                         .register(registry);
        GaugeWithCallback.builder().name("inference_extension_prefix_indexer_size")
                         .help("Block hashes the prefix index of a pool holds, over all its endpoints.")
                         .labelNames("inference_pool")
                         .callback(cb -> {
                             for (GatewaySnapshot.Pool pool : new java.util.TreeMap<>(this.snapshot.get().pools())
                                     .values()) {
                                 final EndpointPicker picker = pool.picker();
                                 if (picker instanceof Scheduler s && s.profile().usesPrefix()) {
                                     cb.call(s.prefixIndex().blockCount(), pool.name());
                                 }
                             }
                         })
                         .register(registry);
        prefixHitRatio = histogram("inference_extension_prefix_indexer_hit_ratio",
                                   "Predicted share of a prompt's prefix blocks cached on the picked endpoint.",
                                   HIT_RATIO, "inference_pool");
        prefixHitBytes = histogram("inference_extension_prefix_indexer_hit_bytes",
                                   "Predicted prompt bytes cached on the picked endpoint (blocks × block tokens " +
                                   "× 4).", HIT_BYTES, "inference_pool");
        schedulerE2e = histogram("inference_extension_scheduler_e2e_duration_seconds",
                                 "End-to-end scheduling latency distribution in seconds.", SCHED);
        schedulerE2eAll = schedulerE2e.labelValues();
        rewriteDecisions = counter("inference_extension_model_rewrite_decisions_total",
                                   "Counter of model rewrite decisions, by rewrite, model and target model.",
                                   "model_rewrite_name", "model_name", "target_model");
        final Gauge info = Gauge.builder().name("inference_extension_info")
                                .help("General information of the current build of Inference Extension.")
                                .labelNames("commit", "build_ref").withoutExemplars().register(registry);
        info.labelValues(BuildInfo.commit(), BuildInfo.version()).set(1);

        extensionCalls = counter("sluice_extension_calls_total",
                                 "Extension calls by extension, event and outcome (ok, immediate, failed_open, " +
                                 "failed, timeout).", "extension", "event", "outcome");
        extensionDuration = histogram("sluice_extension_call_duration_seconds",
                                      "Extension call latency in seconds by extension and event.", EXTENSION,
                                      "extension", "event");
        retries = counter("sluice_upstream_retries_total",
                          "Requests retried on another endpoint, by pool and reason (connect_failure, " +
                          "upstream_503).", "pool", "reason");
        upstreamFailures = counter("sluice_upstream_failures_total",
                                   "Exchanges the model server failed, by pool and reason (connection_refused, " +
                                   "timeout, reset_before_headers, incomplete_response, status_5xx).",
                                   "pool", "reason");
        shed = counter("sluice_requests_shed_total",
                       "Requests shed by the endpoint picker under saturation, by pool.", "pool");
        queued = counter("sluice_requests_queued_total",
                         "Requests the endpoint picker held in its queue, by pool.", "pool");
        reloads = counter("sluice_config_reloads_total",
                          "Configuration reloads by result (success or failure).", "result");
        reloadSuccess = reloads.labelValues("success");
        reloadFailure = reloads.labelValues("failure");
        errorDetails = counter("sluice_error_detail_total",
                               "Exchanges the gateway failed, by error detail in RFC 9209 Proxy-Status style (the " +
                               "proxyStatus field of the access log, without extension names).", "error_detail");
        accessLogDropped = counter("sluice_access_log_dropped_total",
                                   "Access log lines dropped because the writer's queue was full.");
    }

    private Histogram histogram(String name, String help, double[] buckets, String... labels) {
        return Histogram.builder().name(name).help(help).labelNames(labels).classicUpperBounds(buckets)
                        .classicOnly().withoutExemplars().register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).withoutExemplars().register(registry);
    }

    /** Returns the registry holding every metric, for exposition. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Returns the naming of the per-model family. */
    public MetricNaming naming() {
        return naming;
    }

    /* ------------------------------------------------------------------------------------ events */

    /** Counts a request whose body named {@code model} as running until its record arrives. */
    public void onRequest(String model) {
        if (!model.isEmpty()) {
            running.merge(model, 1, Integer::sum);
        }
    }

    /** Counts a retry on another endpoint of {@code pool}. */
    public void onRetry(String pool, String reason) {
        simple(retries, "r", pool, reason).inc();
    }

    /** Counts a request shed by the picker. */
    public void onShed(String pool) {
        simple(shed, "s", pool).inc();
    }

    /** Counts a request queued by the picker. */
    public void onQueued(String pool) {
        simple(queued, "q", pool).inc();
    }

    /** Returns a listener that records flow control's queue waits per pool, priority and outcome. */
    public FlowListener flowListener() {
        return new FlowListener() {
            @Override
            public void completed(String pool, int priority, Admission admission) {
                queueWait.labelValues(pool, Integer.toString(priority), admission.outcome().label())
                         .observe(admission.waitedNanos() / NANOS);
            }
        };
    }

    /** Records the predicted prefix hit of one scheduling decision of a profile that uses prefixes. */
    public void onScheduled(PickRequest request, Schedule schedule, int blockTokens) {
        if (schedule.blocks().count() == 0) {
            return;
        }
        final String pool = request.pool();
        final Endpoint first = schedule.endpoints().get(0);
        prefixHitRatio.labelValues(pool).observe(schedule.hitRatio());
        prefixHitBytes.labelValues(pool).observe((double) schedule.matchedBlocks(first) * blockTokens * 4);
    }

    /** Counts a configuration reload. */
    public void onReload(boolean success) {
        (success ? reloadSuccess : reloadFailure).inc();
    }

    /** Counts an access log line dropped because the writer could not keep up. */
    public void onAccessLogDropped() {
        accessLogDropped.inc();
    }

    /** Records everything about one finished exchange. */
    public void record(ExchangeRecord r) {
        final GatewaySnapshot snap = snapshot.get();
        if (initializedFor != snap) {
            initialize(snap);
        }
        if (r.model() != null) {
            running.computeIfPresent(r.model(), (k, n) -> n <= 1 ? null : n - 1);
        }
        if (r.pickNanos() >= 0) {
            schedulerE2eAll.observe(r.pickNanos() / NANOS);
        }
        final String code = GieErrorCodes.of(r);
        final String detail = r.errorDetail();
        if (detail != null) {
            final String label = details.label(detail);
            simple(errorDetails, "d", label).inc();
        }
        final String failure = upstreamFailure(r);
        if (failure != null) {
            simple(upstreamFailures, "f", r.pool() == null ? "" : r.pool(), failure).inc();
        }
        final var calls = r.extensionCalls();
        for (int i = 0; i < calls.size(); i++) {
            final ExtensionCallRecord c = calls.get(i);
            extensionSeries(c.extension(), c.event(), c.outcome()).record(c.durationNanos() / NANOS);
        }
        if (r.model() == null && !isOpenAiPath(r.path())) {
            return; // not an inference request
        }
        final ModelCatalog catalog = snap.catalog();
        final boolean served = r.pool() != null && r.status() >= 200 && r.status() < 300;
        final String model = models.label(r.model(), catalog, served);
        final String target = r.targetModel() == null ? ""
                              : r.targetModel().equals(r.model()) ? model
                              : models.label(r.targetModel(), catalog, served);
        if (r.model() != null && !model.isEmpty()) {
            runningLabels.add(model);
        }
        final ModelSeries s = series(model, target, naming == MetricNaming.OBJECTIVE ? r.priority() : 0);
        s.requests.inc();
        if (code != null) {
            s.error(code).inc();
        }
        final double seconds = r.totalNanos() / NANOS;
        s.duration.observe(seconds);
        s.requestSizes.observe(r.requestBytes());
        if (r.responseBytes() >= 0) {
            s.responseSizes.observe(r.responseBytes());
        }
        if (r.inputTokens() > 0) {
            s.inputTokens.observe(r.inputTokens());
            if (r.cachedTokens() >= 0) {
                s.cachedTokens.observe(r.cachedTokens());
            }
        }
        if (r.outputTokens() > 0) {
            s.outputTokens.observe(r.outputTokens());
            if (code == null) {
                s.ntpot.observe(seconds / r.outputTokens());
            }
        }
        if (r.ttftNanos() >= 0) {
            s.ttft.observe(r.ttftNanos() / NANOS);
        }
        if (r.pool() != null && r.model() != null && r.targetModel() != null &&
            !r.targetModel().equals(r.model())) {
            final ModelRewrites.Rewrite rw = snap.rewrites().rewrite(r.pool(), r.model(), FIRST);
            final String rewriteName = rw != null ? rw.rewriteName() : "";
            rewriteDecisions.labelValues(rewriteName, model, target).inc();
        }
    }

    /** Creates the series that should exist before anything happens, for the pools of {@code snap}. */
    void initialize(GatewaySnapshot snap) {
        for (String pool : snap.pools().keySet()) {
            simple(shed, "s", pool);
            simple(queued, "q", pool);
            simple(retries, "r", pool, "connect_failure");
            simple(retries, "r", pool, "upstream_503");
        }
        initializedFor = snap;
    }

    /** A random source that always picks the first candidate: only the rewrite's name is wanted. */
    private static final RandomGenerator FIRST = () -> 0L;

    private static @Nullable String upstreamFailure(ExchangeRecord r) {
        final String d = r.errorDetail();
        if (d != null) {
            if (d.startsWith("connection_refused")) {
                return "connection_refused";
            }
            if (d.startsWith("http_response_timeout")) {
                return "timeout";
            }
            if (d.startsWith("connection_terminated")) {
                return "reset_before_headers";
            }
            if (d.startsWith("http_response_incomplete")) {
                return "incomplete_response";
            }
            return null;
        }
        return r.endpoint() != null && r.status() >= 500 ? "status_5xx" : null;
    }

    static boolean isOpenAiPath(String path) {
        return "/v1/completions".equals(path) || "/v1/chat/completions".equals(path) ||
               "/v1/embeddings".equals(path);
    }

    /* ------------------------------------------------------------------------------------ series caches */

    private CounterDataPoint simple(Counter counter, String family, String... labels) {
        final String key = family + '\u0000' + String.join("\u0000", labels);
        CounterDataPoint p = simpleSeries.get(key);
        if (p == null) {
            p = simpleSeries.computeIfAbsent(key, k -> counter.labelValues(labels));
        }
        return p;
    }

    private ModelSeries series(String model, String target, int priority) {
        final SeriesKey key = new SeriesKey(model, target, priority);
        ModelSeries s = series.get(key);
        if (s == null) {
            s = series.computeIfAbsent(key, k -> new ModelSeries(k));
        }
        return s;
    }

    private ExtensionSeries extensionSeries(String extension, String event, String outcome) {
        final String key = extension + '\u0000' + event + '\u0000' + outcome;
        ExtensionSeries s = extensionSeries.get(key);
        if (s == null) {
            s = extensionSeries.computeIfAbsent(key, k -> new ExtensionSeries(
                    extensionCalls.labelValues(extension, event, outcome),
                    extensionDuration.labelValues(extension, event)));
        }
        return s;
    }

    private record SeriesKey(String model, String target, int priority) {}

    private record ExtensionSeries(CounterDataPoint calls, DistributionDataPoint duration) {
        void record(double seconds) {
            calls.inc();
            duration.observe(seconds);
        }
    }

    /** The data points of one model and target model, looked up once. */
    private final class ModelSeries {
        final SeriesKey key;
        final CounterDataPoint requests;
        final DistributionDataPoint duration;
        final DistributionDataPoint requestSizes;
        final DistributionDataPoint responseSizes;
        final DistributionDataPoint inputTokens;
        final DistributionDataPoint outputTokens;
        final DistributionDataPoint cachedTokens;
        final DistributionDataPoint ntpot;
        final DistributionDataPoint ttft;
        final @Nullable CounterDataPoint[] errorPoints = new CounterDataPoint[GieErrorCodes.ALL.length];

        ModelSeries(SeriesKey key) {
            this.key = key;
            final GatewayMetrics m = GatewayMetrics.this;
            requests = m.naming == MetricNaming.OBJECTIVE
                       ? m.requests.labelValues(key.model, key.target, Integer.toString(key.priority))
                       : m.requests.labelValues(key.model, key.target);
            duration = m.duration.labelValues(key.model, key.target);
            requestSizes = m.requestSizes.labelValues(key.model, key.target);
            responseSizes = m.responseSizes.labelValues(key.model, key.target);
            inputTokens = m.inputTokens.labelValues(key.model, key.target);
            outputTokens = m.outputTokens.labelValues(key.model, key.target);
            cachedTokens = m.cachedTokens.labelValues(key.model, key.target);
            ntpot = m.ntpot.labelValues(key.model, key.target);
            ttft = m.ttft.labelValues(key.model, key.target);
        }

        CounterDataPoint error(String code) {
            int i = 0;
            while (i < GieErrorCodes.ALL.length - 1 && !Objects.equals(GieErrorCodes.ALL[i], code)) {
                i++;
            }
            CounterDataPoint p = errorPoints[i];
            if (p == null) {
                // A race creates the same data point twice: labelValues returns one instance per label set.
                p = errors.labelValues(key.model, key.target, GieErrorCodes.ALL[i]);
                errorPoints[i] = p;
            }
            return p;
        }
    }
}

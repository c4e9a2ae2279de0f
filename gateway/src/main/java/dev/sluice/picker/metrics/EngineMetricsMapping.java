package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * Maps one model-server engine's Prometheus metric names to {@link ModelServerMetrics}.
 *
 * <h2>Built-in engines</h2>
 * The names and metrics are those of the Gateway API Inference Extension's model-server protocol and its
 * {@code core-metrics-extractor} (GIE v1.5, llm-d):
 * <table>
 *   <caption>Metrics read per engine</caption>
 *   <tr><th>{@link #name()}</th><th>waiting</th><th>running</th><th>KV cache usage</th><th>blocks, block size</th>
 *       <th>LoRA</th></tr>
 *   <tr><td>{@code vllm}</td><td>{@code vllm:num_requests_waiting}</td><td>{@code vllm:num_requests_running}</td>
 *       <td>{@code vllm:kv_cache_usage_perc}, else {@code vllm:gpu_cache_usage_perc} (vLLM before 0.10)</td>
 *       <td>labels {@code num_gpu_blocks}, {@code block_size} of {@code vllm:cache_config_info}</td>
 *       <td>{@code vllm:lora_requests_info}</td></tr>
 *   <tr><td>{@code sglang}</td><td>{@code sglang:num_queue_reqs}</td><td>{@code sglang:num_running_reqs}</td>
 *       <td>{@code sglang:token_usage}</td>
 *       <td>{@code sglang:num_pages}, {@code sglang:page_size}, else the labels of the same names on
 *       {@code sglang:cache_config_info} (before SGLang 0.5.11)</td><td>none</td></tr>
 *   <tr><td>{@code trtllm-serve}</td><td>{@code trtllm_num_requests_waiting}</td>
 *       <td>{@code trtllm_num_requests_running}</td><td>{@code trtllm_kv_cache_utilization}</td>
 *       <td>{@code trtllm_kv_cache_max_blocks}, {@code trtllm_kv_cache_tokens_per_block}</td><td>none</td></tr>
 *   <tr><td>{@code triton-tensorrt-llm}</td><td>{@code nv_trt_llm_request_metrics{request_type="waiting"}}</td>
 *       <td>{@code ...{request_type="scheduled"}}</td>
 *       <td>{@code nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction"}}, else
 *       {@code used / max} of the same family (older Triton releases do not write {@code fraction})</td>
 *       <td>{@code ...{kv_cache_block_type="max"}}, {@code ...{kv_cache_block_type="tokens_per"}}</td>
 *       <td>none</td></tr>
 * </table>
 * An endpoint's engine is chosen by its {@link #ENGINE_LABEL} label, else by its pool's setting, else vLLM; see
 * {@link #select(Map, String)}.
 *
 * <h2>Several series of one metric</h2>
 * A server may write one metric several times: per data-parallel engine (vLLM's {@code engine} label, SGLang's
 * {@code dp_rank}), per model (Triton's {@code model}), per model-parallel rank of one scheduler (SGLang's
 * {@code tp_rank}, {@code pp_rank}), or as a per-priority breakdown next to the total (SGLang's {@code priority}).
 * The matching series with a value other than NaN are combined as follows:
 * <ol>
 *   <li>Breakdown labels: when some series have the label empty or absent (the totals), the series with a
 *       non-empty value are dropped; otherwise all are kept.</li>
 *   <li>Replica labels: series that differ only in those labels describe one scheduler and are collapsed to
 *       their maximum.</li>
 *   <li>The remaining series (independent schedulers) are <b>summed</b> for the waiting and running counts and
 *       <b>averaged</b> for KV cache usage: data-parallel engines have caches of one size, so the mean is the
 *       endpoint's overall fraction. (The maximum would describe the fullest engine; the gateway cannot pick the
 *       engine inside a server, so the overall fraction is the one to score.)</li>
 * </ol>
 * Counts below zero read as zero and KV usage is clamped to 0..1. For the LoRA metric, whose value is the time of
 * its last update, the series with the largest value wins, as in GIE. Block counts and sizes take the largest
 * value reported.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class EngineMetricsMapping {

    /**
     * The endpoint label that names its engine, as in GIE and KServe: {@code inference.networking.k8s.io/engine-type}.
     */
    public static final String ENGINE_LABEL = "inference.networking.k8s.io/engine-type";

    /** vLLM (0.10 and later, and older versions through {@code vllm:gpu_cache_usage_perc}). */
    public static final EngineMetricsMapping VLLM =
            builder("vllm").waitingRequests("vllm:num_requests_waiting")
                           .runningRequests("vllm:num_requests_running")
                           .kvCacheUsage("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc")
                           .loraInfo("vllm:lora_requests_info")
                           .cacheInfo("vllm:cache_config_info", "block_size", "num_gpu_blocks")
                           .build();

    /** SGLang. */
    public static final EngineMetricsMapping SGLANG =
            builder("sglang").waitingRequests("sglang:num_queue_reqs")
                             .runningRequests("sglang:num_running_reqs")
                             .kvCacheUsage("sglang:token_usage")
                             .cacheBlockSize("sglang:page_size")
                             .cacheBlocks("sglang:num_pages")
                             .cacheInfo("sglang:cache_config_info", "page_size", "num_pages")
                             .replicaLabels("tp_rank", "pp_rank", "moe_ep_rank")
                             .breakdownLabels("priority")
                             .build();

    /** TensorRT-LLM's own OpenAI server, {@code trtllm-serve} (metric names as Dynamo exports them). */
    public static final EngineMetricsMapping TRTLLM_SERVE =
            builder("trtllm-serve").waitingRequests("trtllm_num_requests_waiting")
                                   .runningRequests("trtllm_num_requests_running")
                                   .kvCacheUsage("trtllm_kv_cache_utilization")
                                   .cacheBlockSize("trtllm_kv_cache_tokens_per_block")
                                   .cacheBlocks("trtllm_kv_cache_max_blocks")
                                   .build();

    /** Triton Inference Server with the TensorRT-LLM backend. */
    public static final EngineMetricsMapping TRITON_TRTLLM =
            builder("triton-tensorrt-llm")
                    .waitingRequests("nv_trt_llm_request_metrics{request_type=waiting}")
                    .runningRequests("nv_trt_llm_request_metrics{request_type=scheduled}")
                    .kvCacheUsage("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}")
                    .kvCacheUsageFromBlocks("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=used}",
                                            "nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=max}")
                    .cacheBlockSize("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=tokens_per}")
                    .cacheBlocks("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=max}")
                    .build();

    private static final List<EngineMetricsMapping> BUILT_INS = List.of(VLLM, SGLANG, TRTLLM_SERVE, TRITON_TRTLLM);

    /** Returns the built-in engines: vLLM, SGLang, trtllm-serve and Triton TensorRT-LLM. */
    public static List<EngineMetricsMapping> builtIns() {
        return BUILT_INS;
    }

    /**
     * Returns the built-in engine named {@code name} ({@code vllm}, {@code sglang}, {@code trtllm-serve},
     * {@code triton-tensorrt-llm}; case and surrounding blanks ignored).
     *
     * @throws IllegalArgumentException if no built-in engine has that name
     */
    public static EngineMetricsMapping forName(String name) {
        requireNonNull(name, "name");
        final String key = name.strip().toLowerCase(Locale.ROOT);
        for (EngineMetricsMapping m : BUILT_INS) {
            if (m.name.equals(key)) {
                return m;
            }
        }
        throw new IllegalArgumentException("engine: '" + name + "' (expected: one of " + names() + ')');
    }

    /**
     * Returns the engine of an endpoint: the one named by its {@link #ENGINE_LABEL} label when set, else
     * {@code poolEngine} when not null, else vLLM (GIE's default engine).
     *
     * @throws IllegalArgumentException if the label or {@code poolEngine} names no built-in engine
     */
    public static EngineMetricsMapping select(Map<String, String> endpointLabels, @Nullable String poolEngine) {
        requireNonNull(endpointLabels, "endpointLabels");
        final String label = endpointLabels.get(ENGINE_LABEL);
        if (label != null && !label.isBlank()) {
            try {
                return forName(label);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "label " + ENGINE_LABEL + ": '" + label + "' (expected: one of " + names() + ')', e);
            }
        }
        return poolEngine == null ? VLLM : forName(poolEngine);
    }

    private static List<String> names() {
        return BUILT_INS.stream().map(EngineMetricsMapping::name).toList();
    }

    /** Returns a new {@link Builder} of a mapping called {@code name}, for engines that are not built in. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    private final String name;
    private final List<MetricSelector> waiting;
    private final List<MetricSelector> running;
    private final List<MetricSelector> kvUsage;
    private final @Nullable MetricSelector kvUsed;
    private final @Nullable MetricSelector kvTotal;
    private final @Nullable MetricSelector loraInfo;
    private final @Nullable MetricSelector cacheInfo;
    private final String blockSizeLabel;
    private final String numBlocksLabel;
    private final @Nullable MetricSelector blockSizeGauge;
    private final @Nullable MetricSelector numBlocksGauge;
    private final Set<String> replicaLabels;
    private final Set<String> breakdownLabels;
    private final Set<String> loadMetricNames;
    private final PrometheusTextParser parser;

    private EngineMetricsMapping(Builder b) {
        name = b.name;
        waiting = List.copyOf(b.waiting);
        running = List.copyOf(b.running);
        kvUsage = List.copyOf(b.kvUsage);
        kvUsed = b.kvUsed;
        kvTotal = b.kvTotal;
        loraInfo = b.loraInfo;
        cacheInfo = b.cacheInfo;
        blockSizeLabel = b.blockSizeLabel;
        numBlocksLabel = b.numBlocksLabel;
        blockSizeGauge = b.blockSizeGauge;
        numBlocksGauge = b.numBlocksGauge;
        replicaLabels = Set.copyOf(b.replicaLabels);
        breakdownLabels = Set.copyOf(b.breakdownLabels);
        final Set<String> names = new LinkedHashSet<>();
        for (List<MetricSelector> list : List.of(waiting, running, kvUsage)) {
            list.forEach(s -> names.add(s.name()));
        }
        if (kvUsed != null && kvTotal != null) {
            names.add(kvUsed.name());
            names.add(kvTotal.name());
        }
        loadMetricNames = Set.copyOf(names);
        for (MetricSelector s : Arrays.asList(loraInfo, cacheInfo, blockSizeGauge, numBlocksGauge)) {
            if (s != null) {
                names.add(s.name());
            }
        }
        parser = PrometheusTextParser.forNames(names);
    }

    /** Returns the engine's name, as written in the engine label or a pool's settings. */
    public String name() {
        return name;
    }

    /** Returns the sample names this mapping reads. */
    public Set<String> metricNames() {
        return parser.names();
    }

    /** Returns the names of the waiting, running and KV cache metrics, of which a page must carry one. */
    Set<String> loadMetricNames() {
        return loadMetricNames;
    }

    /** Returns the metrics in a {@code /metrics} response body; never throws on bad input. */
    public ModelServerMetrics parse(String exposition) {
        return extract(parser.parse(exposition));
    }

    /** Returns the metrics in samples parsed by a parser that was asked for {@link #metricNames()}. */
    public ModelServerMetrics extract(PrometheusSamples samples) {
        requireNonNull(samples, "samples");
        final double waitingRequests = nonNegative(first(samples, waiting, false));
        final double runningRequests = nonNegative(first(samples, running, false));
        double kv = first(samples, kvUsage, true);
        if (Double.isNaN(kv) && kvUsed != null && kvTotal != null) {
            final double used = combine(samples.samples(kvUsed.name()), kvUsed, false);
            final double total = combine(samples.samples(kvTotal.name()), kvTotal, false);
            if (total > 0) {
                kv = used / total;
            }
        }
        if (!Double.isNaN(kv)) {
            kv = Math.min(1, Math.max(0, kv));
        }

        List<String> runningLoras = List.of();
        List<String> waitingLoras = List.of();
        int maxLoras = 0;
        if (loraInfo != null) {
            MetricSample newest = null;
            for (MetricSample s : samples.samples(loraInfo.name())) {
                if (loraInfo.matches(s) && (newest == null || s.value() > newest.value())) {
                    newest = s;
                }
            }
            if (newest != null) {
                runningLoras = adapters(newest.label("running_lora_adapters"));
                waitingLoras = adapters(newest.label("waiting_lora_adapters"));
                maxLoras = (int) Math.min(Integer.MAX_VALUE, parseCount(newest.label("max_lora")));
            }
        }

        long blockSize = largestValue(samples, blockSizeGauge);
        long numBlocks = largestValue(samples, numBlocksGauge);
        if (cacheInfo != null && (blockSize == 0 || numBlocks == 0)) {
            for (MetricSample s : samples.samples(cacheInfo.name())) {
                if (cacheInfo.matches(s)) {
                    if (blockSize == 0) {
                        blockSize = Math.max(blockSize, parseCount(s.label(blockSizeLabel)));
                    }
                    if (numBlocks == 0) {
                        numBlocks = Math.max(numBlocks, parseCount(s.label(numBlocksLabel)));
                    }
                }
            }
        }
        return new ModelServerMetrics(waitingRequests, runningRequests, kv, runningLoras, waitingLoras, maxLoras,
                                      numBlocks, (int) Math.min(Integer.MAX_VALUE, blockSize));
    }

    private double first(PrometheusSamples samples, List<MetricSelector> selectors, boolean mean) {
        for (MetricSelector selector : selectors) {
            final double v = combine(samples.samples(selector.name()), selector, mean);
            if (!Double.isNaN(v)) {
                return v;
            }
        }
        return Double.NaN;
    }

    /** Combines the matching series as the class comment says; NaN when none has a number. */
    private double combine(List<MetricSample> samples, MetricSelector selector, boolean mean) {
        List<MetricSample> matched = new ArrayList<>(samples.size());
        for (MetricSample s : samples) {
            if (!Double.isNaN(s.value()) && selector.matches(s)) {
                matched.add(s);
            }
        }
        if (matched.isEmpty()) {
            return Double.NaN;
        }
        for (String label : breakdownLabels) {
            if (matched.stream().anyMatch(s -> s.label(label).isEmpty())) {
                matched = matched.stream().filter(s -> s.label(label).isEmpty()).toList();
            }
        }
        final Map<String, Double> groups = new LinkedHashMap<>();
        for (MetricSample s : matched) {
            groups.merge(groupKey(s), s.value(), Math::max);
        }
        double sum = 0;
        for (double v : groups.values()) {
            sum += v;
        }
        return mean ? sum / groups.size() : sum;
    }

    private String groupKey(MetricSample sample) {
        if (sample.labels().isEmpty()) {
            return "";
        }
        final StringBuilder key = new StringBuilder();
        new TreeMap<>(sample.labels()).forEach((k, v) -> {
            if (!replicaLabels.contains(k)) {
                key.append(k).append('\u0000').append(v).append('\u0000');
            }
        });
        return key.toString();
    }

    private static long largestValue(PrometheusSamples samples, @Nullable MetricSelector selector) {
        long largest = 0;
        if (selector != null) {
            for (MetricSample s : samples.samples(selector.name())) {
                if (selector.matches(s) && s.value() >= 1 && s.value() < Long.MAX_VALUE) {
                    largest = Math.max(largest, (long) s.value());
                }
            }
        }
        return largest;
    }

    /** Parses a whole non-negative number written in a label ("2048", "16.0"); 0 when it is not one. */
    private static long parseCount(String label) {
        if (label.isEmpty()) {
            return 0;
        }
        try {
            final double v = Double.parseDouble(label.strip());
            return v >= 0 && v < Long.MAX_VALUE ? (long) v : 0;
        } catch (NumberFormatException e) {
            return 0; // vLLM writes "None" for unset values
        }
    }

    private static List<String> adapters(String label) {
        if (label.isBlank()) {
            return List.of();
        }
        final List<String> names = new ArrayList<>();
        for (String name : label.split(",")) {
            final String n = name.strip();
            if (!n.isEmpty() && !names.contains(n)) {
                names.add(n);
            }
        }
        return names;
    }

    private static double nonNegative(double v) {
        return v < 0 ? 0 : v;
    }

    @Override
    public String toString() {
        return "EngineMetricsMapping{" + name + '}';
    }

    /**
     * Builds an {@link EngineMetricsMapping}. Metrics are written as PromQL vector selectors,
     * {@code name{label=value}}; a metric left unset is not read.
     */
    public static final class Builder {

        private final String name;
        private List<MetricSelector> waiting = List.of();
        private List<MetricSelector> running = List.of();
        private List<MetricSelector> kvUsage = List.of();
        private @Nullable MetricSelector kvUsed;
        private @Nullable MetricSelector kvTotal;
        private @Nullable MetricSelector loraInfo;
        private @Nullable MetricSelector cacheInfo;
        private String blockSizeLabel = "";
        private String numBlocksLabel = "";
        private @Nullable MetricSelector blockSizeGauge;
        private @Nullable MetricSelector numBlocksGauge;
        private List<String> replicaLabels = List.of();
        private List<String> breakdownLabels = List.of();

        private Builder(String name) {
            requireNonNull(name, "name");
            this.name = name.strip().toLowerCase(Locale.ROOT);
            if (this.name.isEmpty()) {
                throw new IllegalArgumentException("name: '" + name + "' (expected: a non-blank name)");
            }
        }

        /** Sets the gauges of queued requests, read in order until one is present. */
        public Builder waitingRequests(String... specs) {
            waiting = selectors(specs);
            return this;
        }

        /** Sets the gauges of running requests, read in order until one is present. */
        public Builder runningRequests(String... specs) {
            running = selectors(specs);
            return this;
        }

        /** Sets the gauges of KV cache usage (0..1), read in order until one is present. */
        public Builder kvCacheUsage(String... specs) {
            kvUsage = selectors(specs);
            return this;
        }

        /** Sets two gauges whose ratio {@code used / total} is the KV cache usage when no usage gauge is present. */
        public Builder kvCacheUsageFromBlocks(String usedSpec, String totalSpec) {
            kvUsed = MetricSelector.parse(usedSpec);
            kvTotal = MetricSelector.parse(totalSpec);
            return this;
        }

        /**
         * Sets vLLM's LoRA gauge, whose labels {@code running_lora_adapters}, {@code waiting_lora_adapters}
         * (comma-separated) and {@code max_lora} are read.
         */
        public Builder loraInfo(String spec) {
            loraInfo = MetricSelector.parse(spec);
            return this;
        }

        /** Sets an info gauge whose labels give the block size and the number of KV cache blocks. */
        public Builder cacheInfo(String spec, String blockSizeLabel, String numBlocksLabel) {
            cacheInfo = MetricSelector.parse(spec);
            this.blockSizeLabel = requireNonNull(blockSizeLabel, "blockSizeLabel");
            this.numBlocksLabel = requireNonNull(numBlocksLabel, "numBlocksLabel");
            return this;
        }

        /** Sets a gauge of the tokens per KV cache block, preferred over {@link #cacheInfo}'s label. */
        public Builder cacheBlockSize(String spec) {
            blockSizeGauge = MetricSelector.parse(spec);
            return this;
        }

        /** Sets a gauge of the number of KV cache blocks, preferred over {@link #cacheInfo}'s label. */
        public Builder cacheBlocks(String spec) {
            numBlocksGauge = MetricSelector.parse(spec);
            return this;
        }

        /** Sets the labels that tell apart copies of one scheduler's numbers (model-parallel ranks). */
        public Builder replicaLabels(String... labels) {
            replicaLabels = List.of(labels);
            return this;
        }

        /** Sets the labels of per-value breakdowns written next to a total that lacks the label. */
        public Builder breakdownLabels(String... labels) {
            breakdownLabels = List.of(labels);
            return this;
        }

        /** Returns a new mapping. */
        public EngineMetricsMapping build() {
            return new EngineMetricsMapping(this);
        }

        private static List<MetricSelector> selectors(String... specs) {
            requireNonNull(specs, "specs");
            final List<MetricSelector> list = new ArrayList<>(specs.length);
            for (String spec : specs) {
                list.add(MetricSelector.parse(spec));
            }
            return list;
        }
    }
}

package dev.sluice.simulator.internal;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.SimulatorConfig;

/**
 * Counts what vLLM counts and writes it in the Prometheus text format (0.0.4) under vLLM's metric names.
 *
 * <p>Written by hand rather than with the Prometheus client: the names contain ':' and must match vLLM's
 * byte for byte, and the gauges are read from the {@link BatchingEngine} at scrape time, on its event loop. The
 * counters and histograms hear the engine through {@link #engineListener()}, so latencies are in engine time (real
 * time times the time compression), counted from a request's arrival at the engine as vLLM counts them. Samples carry the labels vLLM
 * puts on them, {@code model_name} and {@code engine}, except the two info gauges, which in vLLM carry only
 * their own labels. {@code vllm:lora_requests_info} is written only when LoRA adapters are configured, as vLLM
 * writes it only with {@code --enable-lora}.
 */
final class SimulatorMetrics {

    // vLLM's buckets (vllm/v1/metrics/loggers.py).
    private static final double[] TTFT_BUCKETS = {
            0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
            40.0, 80.0, 160.0, 640.0, 2560.0 };
    private static final double[] ITL_BUCKETS = {
            0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
            80.0 };
    private static final double[] REQUEST_BUCKETS = {
            0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
            960.0, 1920.0, 7680.0 };

    static final String FINISHED_STOP = "stop";
    static final String FINISHED_LENGTH = "length";
    static final String FINISHED_ABORT = "abort";

    private final SimulatorConfig config;
    private final Clock clock;
    private final String labels;

    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generationTokens = new LongAdder();
    private final LongAdder prefixCacheQueries = new LongAdder();
    private final LongAdder prefixCacheHits = new LongAdder();
    private final LongAdder preemptions = new LongAdder();
    private final LongAdder finishedStop = new LongAdder();
    private final LongAdder finishedLength = new LongAdder();
    private final LongAdder finishedAbort = new LongAdder();
    private final Histogram timeToFirstToken = new Histogram(TTFT_BUCKETS);
    private final Histogram interTokenLatency = new Histogram(ITL_BUCKETS);
    private final Histogram queueTime = new Histogram(REQUEST_BUCKETS);
    private final Histogram e2eLatency = new Histogram(REQUEST_BUCKETS);

    SimulatorMetrics(SimulatorConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        labels = "model_name=\"" + escape(config.model()) + "\",engine=\"0\"";
    }

    /**
     * Returns the listener that turns engine events into vLLM's counters and histograms.
     */
    SequenceListener engineListener() {
        return new SequenceListener() {
            @Override
            public void admitted(Sequence sequence, int cachedTokens, long nowNanos) {
                prefixCacheQueried(sequence.promptTokens() + sequence.generated(), cachedTokens);
                if (sequence.preemptions() == 0) {
                    SimulatorMetrics.this.admitted(seconds(nowNanos - sequence.arrivalNanos()));
                }
            }

            @Override
            public void token(Sequence sequence, int index, long nowNanos) {
                if (index == 0) {
                    firstToken(sequence.promptTokens(), seconds(nowNanos - sequence.arrivalNanos()));
                } else {
                    interToken(seconds(nowNanos - sequence.lastTokenNanos()));
                }
                tokens(1);
            }

            @Override
            public void preempted(Sequence sequence, long nowNanos) {
                preemptions.increment();
            }

            @Override
            public void finished(Sequence sequence, long nowNanos) {
                final double e2e = seconds(nowNanos - sequence.arrivalNanos());
                if (sequence.aborted()) {
                    SimulatorMetrics.this.finished(FINISHED_ABORT, e2e);
                    return;
                }
                if (sequence.maxTokens() == 0) {
                    firstToken(sequence.promptTokens(), e2e); // embeddings: done when the prompt is
                }
                SimulatorMetrics.this.finished(sequence.finishReason(), e2e);
            }
        };
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    void prefixCacheQueried(int queriedTokens, int hitTokens) {
        prefixCacheQueries.add(queriedTokens);
        prefixCacheHits.add(hitTokens);
    }

    void admitted(double queueSeconds) {
        queueTime.observe(queueSeconds);
    }

    void firstToken(int promptTokens, double ttftSeconds) {
        this.promptTokens.add(promptTokens);
        timeToFirstToken.observe(ttftSeconds);
    }

    void tokens(int count) {
        generationTokens.add(count);
    }

    void interToken(double seconds) {
        interTokenLatency.observe(seconds);
    }

    void finished(String finishedReason, double e2eSeconds) {
        switch (finishedReason) {
            case FINISHED_STOP -> finishedStop.increment();
            case FINISHED_LENGTH -> finishedLength.increment();
            default -> finishedAbort.increment();
        }
        e2eLatency.observe(e2eSeconds);
    }

    /** Writes the metrics; call on the engine's event loop. */
    String scrape(BatchingEngine engine) {
        return scrape(engine.snapshot());
    }

    String scrape(EngineSnapshot engine) {
        final StringBuilder out = new StringBuilder(8192);
        gauge(out, "vllm:num_requests_running", "Number of requests in model execution batches.",
              engine.runningRequests());
        gauge(out, "vllm:num_requests_waiting", "Number of requests waiting to be processed.",
              engine.waitingRequests());
        gauge(out, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
              engine.kvCacheUsage());
        if (!config.loraAdapters().isEmpty()) {
            header(out, "vllm:lora_requests_info", "Running stats on lora requests.", "gauge");
            out.append("vllm:lora_requests_info{max_lora=\"").append(config.maxLoras())
               .append("\",waiting_lora_adapters=\"").append(escape(String.join(",", engine.waitingLoraAdapters())))
               .append("\",running_lora_adapters=\"").append(escape(String.join(",", engine.runningLoraAdapters())))
               // vLLM sets the value to the time of the update, and readers keep the newest series.
               .append("\"} ").append(clock.millis() / 1000.0).append('\n');
        }
        header(out, "vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
        out.append("vllm:cache_config_info{block_size=\"").append(config.blockSize())
           .append("\",cache_dtype=\"auto\",enable_prefix_caching=\"True\",gpu_memory_utilization=\"0.9\"")
           .append(",num_cpu_blocks=\"0\",num_gpu_blocks=\"").append(config.kvCacheBlocks())
           .append("\",prefix_caching_hash_algo=\"builtin\"} 1.0\n");
        counter(out, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", promptTokens);
        counter(out, "vllm:generation_tokens_total", "Number of generation tokens processed.", generationTokens);
        counter(out, "vllm:prefix_cache_queries_total",
                "Prefix cache queries, in terms of number of queried tokens.", prefixCacheQueries);
        counter(out, "vllm:prefix_cache_hits_total",
                "Prefix cache hits, in terms of number of cached tokens.", prefixCacheHits);
        counter(out, "vllm:num_preemptions_total", "Cumulative number of preemption from the engine.",
                preemptions);
        header(out, "vllm:request_success_total", "Count of successfully processed requests.", "counter");
        for (String reason : List.of(FINISHED_STOP, FINISHED_LENGTH, FINISHED_ABORT)) {
            final LongAdder count = switch (reason) {
                case FINISHED_STOP -> finishedStop;
                case FINISHED_LENGTH -> finishedLength;
                default -> finishedAbort;
            };
            out.append("vllm:request_success_total{").append(labels).append(",finished_reason=\"").append(reason)
               .append("\"} ").append((double) count.sum()).append('\n');
        }
        histogram(out, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
                  timeToFirstToken);
        histogram(out, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
                  interTokenLatency);
        histogram(out, "vllm:request_queue_time_seconds",
                  "Histogram of time spent in WAITING phase for request.", queueTime);
        histogram(out, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
                  e2eLatency);
        return out.toString();
    }

    private void gauge(StringBuilder out, String name, String help, double value) {
        header(out, name, help, "gauge");
        out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }

    private void counter(StringBuilder out, String name, String help, LongAdder value) {
        header(out, name, help, "counter");
        out.append(name).append('{').append(labels).append("} ").append((double) value.sum()).append('\n');
    }

    private void histogram(StringBuilder out, String name, String help, Histogram histogram) {
        header(out, name, help, "histogram");
        final Histogram.Snapshot snapshot = histogram.snapshot();
        long cumulative = 0;
        for (int i = 0; i < histogram.bounds.length; i++) {
            cumulative += snapshot.counts()[i];
            out.append(name).append("_bucket{").append(labels).append(",le=\"").append(histogram.bounds[i])
               .append("\"} ").append((double) cumulative).append('\n');
        }
        out.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ")
           .append((double) snapshot.count()).append('\n');
        out.append(name).append("_count{").append(labels).append("} ").append((double) snapshot.count())
           .append('\n');
        out.append(name).append("_sum{").append(labels).append("} ").append(snapshot.sum()).append('\n');
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static String escape(String labelValue) {
        return labelValue.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** A Prometheus histogram with fixed upper bounds; the last, implicit bucket is +Inf. */
    static final class Histogram {

        record Snapshot(long[] counts, long count, double sum) {}

        final double[] bounds;
        private final LongAdder[] counts;
        private final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            counts[i].increment();
            sum.add(value);
        }

        Snapshot snapshot() {
            final long[] values = new long[counts.length];
            long count = 0;
            for (int i = 0; i < counts.length; i++) {
                values[i] = counts[i].sum();
                count += values[i];
            }
            return new Snapshot(values, count, sum.sum());
        }
    }
}

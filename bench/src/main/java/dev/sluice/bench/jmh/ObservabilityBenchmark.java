package dev.sluice.bench.jmh;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.sluice.config.ConfigLoader;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.observe.AccessLogFormat;
import dev.sluice.observe.Observability;
import dev.sluice.observe.ObserveOptions;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.picker.EndpointPicker;
import dev.sluice.picker.flow.FlowController;
import dev.sluice.picker.scheduler.PrefixIndex;
import dev.sluice.picker.scheduler.Scheduler;
import dev.sluice.picker.scheduler.SchedulerProfiles;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.proxy.ExchangeListener;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.ExtensionCallRecord;
import dev.sluice.proxy.GatewaySnapshot;
import dev.sluice.proxy.TraceContext;
import dev.sluice.server.GatewayServer;

/**
 * What metrics and access logging cost per request: realistic {@link ExchangeRecord}s fed through the gateway's
 * observability listener ({@code listener=observe}) and through a no-op listener ({@code listener=noop}), which is the
 * baseline. Each operation is what the proxy calls for one request: {@code onRequest(model)} when the body is read
 * and {@code onComplete(record)} at the end. Sample mode gives the p50 to compare.
 *
 * <p>{@code logRate} is the pools' BackendPolicy {@code sampleRate}: {@code 500000} is the seed's (half of the
 * requests), {@code 0} logs errors only. On the request's thread the access log only samples and enqueues; the
 * line is formatted and written by the writer thread, whose per-line cost is {@link #formatLine()}.
 *
 * {@snippet :
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/classes:$(cat bench/target/classpath.txt) org.openjdk.jmh.Main ObservabilityBenchmark
 * }
 */
@State(Scope.Benchmark)
@BenchmarkMode({ Mode.SampleTime, Mode.AverageTime })
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = { "--sun-misc-unsafe-memory-access=allow", "-Xmx1g" })
public class ObservabilityBenchmark {

    static final String CONFIG = """
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: llama}
            spec:
              selector: {matchLabels: {app: llama}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: gemma}
            spec:
              selector: {matchLabels: {app: gemma}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: llama-0, labels: {app: llama}}
            spec:
              simulated: {model: meta-llama/Llama-3.1-8B-Instruct, loraAdapters: [food-review, food-review-v2]}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: gemma-0, labels: {app: gemma}}
            spec:
              simulated: {model: google/gemma-3-1b-it}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: BackendPolicy
            metadata: {name: llama-logging}
            spec:
              targetRef: {group: inference.networking.k8s.io, kind: InferencePool, name: llama}
              logging: {enabled: true, sampleRate: LOG_RATE}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: BackendPolicy
            metadata: {name: gemma-logging}
            spec:
              targetRef: {group: inference.networking.k8s.io, kind: InferencePool, name: gemma}
              logging: {enabled: true, sampleRate: LOG_RATE}
            """;

    static final String[][] MODELS = { { "food-review", "llama" }, { "food-review-v2", "llama" },
                                       { "meta-llama/Llama-3.1-8B-Instruct", "llama" },
                                       { "google/gemma-3-1b-it", "gemma" } };

    @Param({ "noop", "observe" })
    public String listener;

    @Param({ "500000", "0" })
    public int logRate;

    private ExchangeListener target;
    private Observability observability;
    private ExchangeRecord[] records;
    private final LongAdder lines = new LongAdder();
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        final Path dir = Files.createTempDirectory("sluice-bench");
        final Path file = dir.resolve("config.yaml");
        Files.writeString(file, CONFIG.replace("LOG_RATE", Integer.toString(logRate)));
        final ExtensionRegistry registry = new ExtensionRegistry();
        final int[] port = { 9000 };
        final GatewaySnapshot snapshot = GatewaySnapshot.build(
                ConfigLoader.load(file, GatewayServer.knownServices(registry)), registry, new EndpointDirectory(),
                ms -> new InetSocketAddress("127.0.0.1", port[0]++),
                new GatewaySnapshot.PoolServices() {
                    @Override
                    public EndpointPicker picker(Resource<InferencePoolSpec> pool) {
                        return new Scheduler(SchedulerProfiles.byName("random"), new EndpointMetricsStore()::load,
                                             new PrefixIndex(), new SplittableRandom(1));
                    }

                    @Override
                    public FlowController flow(Resource<InferencePoolSpec> pool) {
                        // Never saturated here, so it never needs its scheduler.
                        return FlowController.builder(p -> 0)
                                             .scheduler(java.util.concurrent.Executors
                                                                .newSingleThreadScheduledExecutor(r -> {
                                                                    final Thread t = new Thread(r);
                                                                    t.setDaemon(true);
                                                                    return t;
                                                                }))
                                             .build();
                    }
                });
        records = records(4096, new SplittableRandom(42));
        if ("observe".equals(listener)) {
            observability = new Observability(new ObserveOptions().accessLogSink(line -> lines.increment()),
                                              () -> snapshot, new EndpointMetricsStore());
            target = observability.listener(ExchangeListener.NOOP);
        } else {
            target = ExchangeListener.NOOP;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (observability != null) {
            observability.close();
            final double dropped = observability.metrics().registry().scrape().stream()
                    .filter(m -> m.getMetadata().getName().equals("sluice_access_log_dropped"))
                    .flatMap(m -> m.getDataPoints().stream())
                    .mapToDouble(p -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot
                            .CounterDataPointSnapshot) p).getValue())
                    .sum();
            System.out.println("\naccess log lines written: " + lines.sum() + ", dropped (queue full): " +
                               (long) dropped);
        }
    }

    /** One request's observability: the body's model, then the finished exchange's record. */
    @Benchmark
    public ExchangeRecord request() {
        final ExchangeRecord r = records[next++ & (records.length - 1)];
        if (r.model() != null) {
            target.onRequest(r.model());
        }
        target.onComplete(r);
        return r;
    }

    /** The writer thread's cost for one access log line (independent of {@code listener}). */
    @Benchmark
    public String formatLine() {
        return AccessLogFormat.format(records[next++ & (records.length - 1)]);
    }

    /**
     * Records with a realistic mix: 4 models over 2 pools, a third streamed (TTFT, usage), 3% failures of various
     * kinds, 1% unknown models, a fifth with two extension calls.
     */
    static ExchangeRecord[] records(int n, SplittableRandom random) {
        final List<ExchangeRecord> list = new ArrayList<>(n);
        long start = 1_764_000_000_000_000L;
        for (int i = 0; i < n; i++) {
            final String[] m = MODELS[random.nextInt(MODELS.length)];
            String model = m[0];
            String pool = m[1];
            String endpoint = "10.0.0." + (10 + random.nextInt(4)) + ":8000";
            int status = 200;
            String detail = null;
            final int roll = random.nextInt(100);
            if (roll == 0) {
                model = "unknown-" + random.nextInt(1000);
                pool = null;
                endpoint = null;
                status = 404;
                detail = "destination_not_found; details=\"no_route\"";
            } else if (roll == 1) {
                status = 500; // relayed from the model server
            } else if (roll == 2) {
                status = 503;
                endpoint = null;
                detail = "destination_unavailable; details=\"failed_to_pick_backend\"";
            } else if (roll == 3) {
                status = 429;
                endpoint = null;
                detail = "http_request_denied; details=\"extension quota\"";
            }
            final boolean stream = random.nextInt(3) == 0;
            final long total = 50_000_000L + random.nextLong(2_000_000_000L);
            final long input = 20 + random.nextInt(2000);
            final long output = status == 200 ? 1 + random.nextInt(500) : -1;
            final List<ExtensionCallRecord> calls = random.nextInt(5) == 0
                    ? List.of(new ExtensionCallRecord("quota", "RequestHeaders", "ok", 1000, 20_000),
                              new ExtensionCallRecord("armor", "RequestBody", "ok", 40_000, 150_000))
                    : List.of();
            final TraceContext trace = TraceContext.of(null);
            list.add(new ExchangeRecord(start + i * 1000L, "req-" + i, "10.1.2." + random.nextInt(250), "POST",
                                        stream ? "/v1/chat/completions" : "/v1/completions", status,
                                        pool != null ? "by-model" : null, pool, endpoint, model,
                                        pool != null ? model : null, null, 0, stream, 1, 200 + input * 4,
                                        status == 200 ? 300 + output * 6 : 120, total,
                                        endpoint != null ? total - 1_000_000 : -1,
                                        stream && status == 200 ? total / 10 : -1, status == 200 ? input : -1,
                                        output, status == 200 ? input / 2 : -1, false, detail,
                                        pool != null ? 5_000 + random.nextInt(20_000) : -1, 1_000_000_000L,
                                        endpoint != null ? 1_001_000_000L : -1, trace, calls));
        }
        return list.toArray(ExchangeRecord[]::new);
    }
}

package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.picker.EndpointPicker;
import dev.sluice.picker.metrics.EndpointMetricsSnapshot;
import dev.sluice.picker.scheduler.Scheduler;
import dev.sluice.proxy.GatewaySnapshot;
import dev.sluice.server.GatewayServer;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorProfile;
import dev.sluice.simulator.SimulatorServer;

/**
 * Runs a workload plan for real: {@code pods} {@link SimulatorServer}s on loopback, time-compressed, behind a real
 * {@link GatewayServer} (its own scraper at its real 50 ms interval, its proxy and picker), driven open-loop by an
 * Armeria client that streams completions and reads the time to the first SSE chunk and the final usage chunk's
 * {@code cached_tokens}.
 *
 * <h2>Time</h2>
 * The engines run {@code timeCompression} times faster than real time, so a load of {@code L} requests per second
 * of engine time is sent at {@code L × timeCompression} per real second, and every measured time is multiplied back
 * into engine time. What does not compress: the gateway's scrape interval (50 ms real is {@code 50 ms ×
 * timeCompression} of engine time, so the picker's metrics are that much staler than in a real deployment) and the
 * gateway's and client's own latency.
 *
 * <h2>Policy</h2>
 * The pool carries the annotation {@value #PROFILE_ANNOTATION}; the gateway honours it once its proxy builds a
 * {@link Scheduler} per pool. {@link #run} checks what the pool's picker actually is and refuses with
 * {@link NotWiredException} when it is not a scheduler of the requested profile. The oracle cannot run live: nothing
 * outside a simulator process can read its cache.
 *
 * <p>Bounded: each run sends at most the planned requests (cut to {@code maxRequests}), then waits for them at most
 * {@code drainTimeout} of real time, cancels what is left (counted as failed), and stops every server it started.
 */
final class LiveRunner {

    /** The InferencePool annotation that selects a scheduler profile. */
    static final String PROFILE_ANNOTATION = "sluice.dev/scheduler-profile";

    static final String POOL = "bench";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern CACHED = Pattern.compile("\"cached_tokens\"\\s*:\\s*(\\d+)");
    private static final Pattern COMPLETION = Pattern.compile("\"completion_tokens\"\\s*:\\s*(\\d+)");
    private static final byte[] TEXT_KEY = "\"text\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * The live settings.
     *
     * @param pods simulator servers
     * @param profile their hardware profile
     * @param timeCompression how much faster than real time they run
     * @param maxRequests the most requests one run sends
     * @param seed the simulators' seed
     * @param warmup the fraction of requests not measured
     * @param drainTimeout how long to wait for the last responses, real time
     */
    record Settings(int pods, SimulatorProfile profile, double timeCompression, int maxRequests, long seed,
                    double warmup, Duration drainTimeout) {
        Settings {
            requireNonNull(profile, "profile");
            if (pods < 1 || !(timeCompression >= 1) || maxRequests < 2) {
                throw new IllegalArgumentException("live: need pods >= 1, time compression >= 1, max requests >= 2");
            }
        }
    }

    /** The gateway does not run the requested policy. */
    static final class NotWiredException extends Exception {
        private static final long serialVersionUID = 1L;

        NotWiredException(String message) {
            super(message);
        }
    }

    private final Settings settings;

    LiveRunner(Settings settings) {
        this.settings = requireNonNull(settings, "settings");
    }

    /** Returns a description of the picker the gateway builds for a pool asking for {@code policy}. */
    static String describe(EndpointPicker picker) {
        return picker instanceof Scheduler s ? "scheduler " + s.profile().name() : picker.getClass().getSimpleName();
    }

    /**
     * Runs {@code fullPlan} (cut to {@code maxRequests}) with the pool asking for {@code policy}, or with no
     * annotation, whatever picker the gateway uses by itself, when {@code policy} is {@code null}; the result's
     * policy is then {@code "as-configured: <picker>"}.
     */
    RunResult run(Workload workload, List<PlannedRequest> fullPlan, @Nullable Policy policy, double load)
            throws NotWiredException, InterruptedException {
        if (policy != null && !policy.isGatewayProfile()) {
            throw new NotWiredException("the oracle reads simulator internals and cannot run behind a gateway");
        }
        final List<PlannedRequest> plan = fullPlan.subList(0, Math.min(fullPlan.size(), settings.maxRequests()));
        final List<SimulatorServer> servers = new ArrayList<>();
        GatewayServer gateway = null;
        Path dir = null;
        final ClientFactory factory = ClientFactory.builder().build();
        try {
            int maxOutput = 1;
            for (PlannedRequest p : plan) {
                maxOutput = Math.max(maxOutput, p.outputTokens());
            }
            final SimulatorConfig base = DesRunner.engineConfig(workload, new DesRunner.Settings(
                    settings.pods(), settings.profile(), settings.seed(), settings.warmup(), Duration.ofMillis(50),
                    Duration.ofMillis(200)));
            for (int i = 0; i < settings.pods(); i++) {
                final SimulatorConfig c = new SimulatorConfig(
                        base.model(), base.loraAdapters(), base.timeToFirstToken(), base.interTokenLatency(),
                        maxOutput, settings.seed() + i, base.maxLoras(), base.kvCacheBlocks(), base.blockSize(),
                        base.maxNumSeqs(), base.maxNumBatchedTokens(), base.profile(), settings.timeCompression());
                servers.add(SimulatorServer.start(c, "127.0.0.1", 0));
            }
            dir = Files.createTempDirectory("sluice-routing-live");
            final int port = freePort();
            final Path file = dir.resolve("gateway.yaml");
            Files.writeString(file, gatewayYaml(port, policy != null ? policy.cliName() : null, servers));
            final GatewayConfig config = ConfigLoader.load(file, GatewayServer.knownServices(
                    new dev.sluice.extension.ExtensionRegistry()));
            gateway = GatewayServer.start(config, new GatewayServer.Options().admin("127.0.0.1", 0));
            final GatewaySnapshot.Pool pool = requireNonNull(gateway.snapshot().pool(POOL), "pool");
            if (policy != null &&
                (!(pool.picker() instanceof Scheduler s) || !s.profile().name().equals(policy.cliName()))) {
                throw new NotWiredException("the gateway ignores " + PROFILE_ANNOTATION + ": its pool picker is " +
                                            describe(pool.picker()));
            }
            final String label = policy != null ? policy.cliName() : "as-configured: " + describe(pool.picker());
            awaitFreshMetrics(gateway, pool, Duration.ofSeconds(10));
            final WebClient client = WebClient.builder("h2c://127.0.0.1:" + port).factory(factory)
                                              .responseTimeout(Duration.ZERO).maxResponseLength(0).build();
            return drive(workload, plan, label, load, client, gateway, pool);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ConfigException e) {
            throw new IllegalStateException("the generated gateway configuration is invalid: " + e.getMessage(), e);
        } finally {
            if (gateway != null) {
                gateway.close();
            }
            for (SimulatorServer s : servers) {
                s.close();
            }
            factory.close();
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    static String gatewayYaml(int port, @Nullable String profile, List<SimulatorServer> servers) {
        final StringBuilder y = new StringBuilder();
        y.append("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: bench}
                spec:
                  addresses: [{type: IPAddress, value: 127.0.0.1}]
                  listeners: [{name: http, port: %d, protocol: HTTP}]
                ---
                apiVersion: inference.networking.k8s.io/v1
                kind: InferencePool
                metadata:
                  name: %s
                  annotations: {%s}
                spec:
                  selector: {matchLabels: {app: bench}}
                  targetPorts: [{number: 8000}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: bench}
                spec:
                  parentRefs: [{name: bench}]
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /v1/}}]
                    backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: %s}]
                """.formatted(port, POOL, profile != null ? PROFILE_ANNOTATION + ": " + profile : "", POOL));
        for (int i = 0; i < servers.size(); i++) {
            y.append("""
                    ---
                    apiVersion: sluice.dev/v1alpha1
                    kind: ModelServer
                    metadata: {name: pod-%d, labels: {app: bench}}
                    spec: {address: 127.0.0.1, port: %d}
                    """.formatted(i, servers.get(i).port()));
        }
        return y.toString();
    }

    private static void awaitFreshMetrics(GatewayServer gateway, GatewaySnapshot.Pool pool, Duration timeout)
            throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            boolean fresh = true;
            for (var e : pool.endpoints()) {
                fresh &= e.isLive() && gateway.endpointMetrics().snapshot(e.authority()).isFresh();
            }
            if (fresh) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the gateway did not see every simulator live with fresh metrics within " +
                                        timeout);
    }

    /** One request's timings, in real nanoseconds. */
    private static final class Exchange {
        final PlannedRequest plan;
        volatile long sent;
        volatile long firstToken;
        volatile long finished;
        volatile int cachedTokens = -1;
        volatile int outputTokens;
        volatile boolean failed;

        Exchange(PlannedRequest plan) {
            this.plan = plan;
        }
    }

    private RunResult drive(Workload workload, List<PlannedRequest> plan, String policy, double load,
                            WebClient client, GatewayServer gateway, GatewaySnapshot.Pool pool)
            throws InterruptedException {
        final double c = settings.timeCompression();
        final int n = plan.size();
        final Map<String, Exchange> byId = new HashMap<>();
        final List<Exchange> exchanges = new ArrayList<>(n);
        for (PlannedRequest p : plan) {
            final Exchange e = new Exchange(p);
            exchanges.add(e);
            byId.put(p.id(), e);
        }
        final CountDownLatch done = new CountDownLatch(n);
        final Map<String, PlannedRequest> waitingOn = new HashMap<>(); // guarded by itself
        final java.util.Set<String> finishedIds = new java.util.HashSet<>(); // guarded by waitingOn
        final ConcurrentLinkedQueue<long[]> tokenTimes = new ConcurrentLinkedQueue<>(); // {time, count}
        final ConcurrentLinkedQueue<HttpResponse> open = new ConcurrentLinkedQueue<>();
        final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "routing-live-load");
            t.setDaemon(true);
            return t;
        });
        final long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
        final AtomicLong waitingSum = new AtomicLong(); // waiting requests × 1000, summed over samples
        final AtomicLong waitingSamples = new AtomicLong();
        final AtomicLong staleReads = new AtomicLong(); // endpoint reads whose metrics were not fresh
        final long began = System.nanoTime();
        final int firstMeasured = Math.min(n - 1, (int) Math.floor(settings.warmup() * n));
        final long windowStart = start + (long) (plan.get(firstMeasured).arrivalNanos() / c);
        final long windowEnd = Math.max(windowStart + 1, start + (long) (plan.get(n - 1).arrivalNanos() / c));
        try {
            final Sender sender = new Sender(client, tokenTimes, open, done, exchanges, byId, waitingOn,
                                             finishedIds);
            for (PlannedRequest p : plan) {
                final long at = start + (long) (p.arrivalNanos() / c);
                timer.schedule(() -> sender.due(p), Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            timer.scheduleAtFixedRate(() -> {
                final long now = System.nanoTime();
                if (now < windowStart || now > windowEnd) {
                    return;
                }
                double waiting = 0;
                for (var e : pool.endpoints()) {
                    final EndpointMetricsSnapshot s = gateway.endpointMetrics().snapshot(e.authority());
                    waiting += Double.isNaN(s.metrics().waitingRequests()) ? 0 : s.metrics().waitingRequests();
                    if (!s.isFresh()) {
                        staleReads.incrementAndGet();
                    }
                }
                waitingSum.addAndGet(Math.round(1000 * waiting / pool.endpoints().size()));
                waitingSamples.incrementAndGet();
            }, 100, 100, TimeUnit.MILLISECONDS);
            final long lastDue = start + (long) (plan.get(n - 1).arrivalNanos() / c);
            final long waitNanos = lastDue - System.nanoTime() + settings.drainTimeout().toNanos();
            if (!done.await(Math.max(0, waitNanos), TimeUnit.NANOSECONDS)) {
                for (HttpResponse r : open) {
                    r.abort();
                }
            }
        } finally {
            timer.shutdownNow();
        }

        // Measure, in engine time.
        final List<Exchange> measured = new ArrayList<>();
        int failed = 0;
        for (Exchange e : exchanges) {
            if (e.plan.index() < firstMeasured) {
                continue;
            }
            if (e.failed || e.finished == 0 || e.firstToken == 0) {
                failed++;
                continue;
            }
            measured.add(e);
        }
        final int m = measured.size();
        final double[] ttft = new double[m];
        final double[] tpot = new double[m];
        final double[] e2e = new double[m];
        long prompt = 0;
        long cached = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (int i = 0; i < m; i++) {
            final Exchange e = measured.get(i);
            ttft[i] = (e.firstToken - e.sent) * c / 1e9;
            tpot[i] = e.outputTokens <= 1 ? 0 : (e.finished - e.firstToken) * c / 1e9 / (e.outputTokens - 1);
            e2e[i] = (e.finished - e.sent) * c / 1e9;
            if (e.cachedTokens >= 0) {
                prompt += e.plan.promptTokens();
                cached += e.cachedTokens;
            }
            first = Math.min(first, e.sent);
            last = Math.max(last, e.finished);
        }
        long tokens = 0;
        for (long[] t : tokenTimes) {
            if (t[0] >= windowStart && t[0] <= windowEnd) {
                tokens += t[1];
            }
        }
        final double window = (windowEnd - windowStart) * c / 1e9;
        if (failed > 0) {
            System.err.printf(Locale.ROOT, "live %s %s at %s req/s: %d of %d measured requests failed or timed " +
                                           "out%n", workload.name(), policy, TextReport.load(load), failed,
                              failed + m);
        }
        final long reads = waitingSamples.get() * pool.endpoints().size();
        if (staleReads.get() > 0) {
            System.err.printf(Locale.ROOT, "live %s %s at %s req/s: the gateway's metrics were not fresh in %.1f%% " +
                                           "of endpoint reads (scrapes slower than its staleness bound)%n",
                              workload.name(), policy, TextReport.load(load), 100.0 * staleReads.get() / reads);
        }
        return new RunResult(workload.name(), policy, load, m, Percentiles.of(ttft, 50),
                             Percentiles.of(ttft, 90), Percentiles.of(ttft, 99), Percentiles.of(tpot, 90),
                             Percentiles.of(e2e, 90), tokens / window,
                             m == 0 ? Double.NaN : m / ((last - first) * c / 1e9),
                             prompt == 0 ? Double.NaN : (double) cached / prompt,
                             waitingSamples.get() == 0 ? Double.NaN : waitingSum.get() / 1000.0 / waitingSamples.get(),
                             Double.NaN, Double.NaN, 0, window, (System.nanoTime() - began) / 1_000_000);
    }

    /** Sends due requests, after their predecessors, and reads their streams. */
    private static final class Sender {
        private final WebClient client;
        private final ConcurrentLinkedQueue<long[]> tokenTimes;
        private final ConcurrentLinkedQueue<HttpResponse> open;
        private final CountDownLatch done;
        private final Map<String, Exchange> byId;
        private final Map<String, PlannedRequest> waitingOn;
        private final java.util.Set<String> finishedIds;

        Sender(WebClient client, ConcurrentLinkedQueue<long[]> tokenTimes, ConcurrentLinkedQueue<HttpResponse> open,
               CountDownLatch done, List<Exchange> exchanges, Map<String, Exchange> byId,
               Map<String, PlannedRequest> waitingOn, java.util.Set<String> finishedIds) {
            this.client = client;
            this.tokenTimes = tokenTimes;
            this.open = open;
            this.done = done;
            this.byId = byId;
            this.waitingOn = waitingOn;
            this.finishedIds = finishedIds;
        }

        void due(PlannedRequest p) {
            synchronized (waitingOn) {
                if (p.after() != null && !finishedIds.contains(p.after())) {
                    waitingOn.put(p.after(), p);
                    return;
                }
            }
            send(p);
        }

        private void finished(Exchange e) {
            final PlannedRequest next;
            synchronized (waitingOn) {
                finishedIds.add(e.plan.id());
                next = waitingOn.remove(e.plan.id());
            }
            done.countDown();
            if (next != null) {
                send(next);
            }
        }

        private void send(PlannedRequest p) {
            final Exchange e = byId.get(p.id());
            final ObjectNode body = JSON.createObjectNode();
            body.put("model", p.adapter() != null ? p.adapter() : DesRunner.MODEL);
            body.put("prompt", p.prompt());
            body.put("max_tokens", p.outputTokens());
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            final HttpRequest request = HttpRequest.of(
                    RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON_UTF_8)
                                  .build(),
                    HttpData.ofUtf8(JSON.writeValueAsString(body)));
            e.sent = System.nanoTime();
            final HttpResponse response = client.execute(request);
            open.add(response);
            response.subscribe(new StreamReader(e, response));
        }

        /** Reads one SSE response: the first token's time, token times, and the usage at the end. */
        private final class StreamReader implements Subscriber<HttpObject> {
            private final Exchange e;
            private final HttpResponse response;
            private final StringBuilder tail = new StringBuilder();
            private boolean ok = true;

            StreamReader(Exchange e, HttpResponse response) {
                this.e = e;
                this.response = response;
            }

            @Override
            public void onSubscribe(Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(HttpObject o) {
                if (o instanceof ResponseHeaders h) {
                    ok &= h.status().code() == 200 || h.status().isInformational();
                    return;
                }
                if (!(o instanceof HttpData d)) {
                    return;
                }
                final long now = System.nanoTime();
                final byte[] bytes = d.array();
                final int texts = count(bytes, TEXT_KEY);
                if (texts > 0) {
                    if (e.firstToken == 0) {
                        e.firstToken = now;
                    }
                    tokenTimes.add(new long[] { now, texts });
                }
                tail.append(new String(bytes, StandardCharsets.UTF_8));
                if (tail.length() > 4096) {
                    tail.delete(0, tail.length() - 4096);
                }
            }

            @Override
            public void onError(Throwable t) {
                e.failed = true;
                e.finished = System.nanoTime();
                open.remove(response);
                finished(e);
            }

            @Override
            public void onComplete() {
                e.finished = System.nanoTime();
                final Matcher cached = CACHED.matcher(tail);
                int cachedTokens = -1;
                while (cached.find()) {
                    cachedTokens = Integer.parseInt(cached.group(1));
                }
                final Matcher completion = COMPLETION.matcher(tail);
                int outputTokens = 0;
                while (completion.find()) {
                    outputTokens = Integer.parseInt(completion.group(1));
                }
                e.cachedTokens = cachedTokens;
                e.outputTokens = outputTokens;
                e.failed = !ok || outputTokens == 0;
                open.remove(response);
                finished(e);
            }
        }
    }

    static int count(byte[] haystack, byte[] needle) {
        int count = 0;
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            count++;
            i += needle.length - 1;
        }
        return count;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteQuietly(@Nullable Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A leftover temp directory is harmless.
        }
    }
}

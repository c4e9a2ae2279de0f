package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import dev.sluice.picker.scheduler.SchedulerProfile;
import dev.sluice.picker.scheduler.SchedulerProfiles;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorProfile;
import dev.sluice.simulator.des.DiscreteEventSimulation;
import dev.sluice.simulator.des.RequestListener;
import dev.sluice.simulator.des.RequestRecord;
import dev.sluice.simulator.des.RoutingPolicy;
import dev.sluice.simulator.des.SimulatedEngine;
import dev.sluice.simulator.des.SimulatedRequest;

/**
 * Runs one workload plan under one policy in a fresh {@link DiscreteEventSimulation} of {@code pods} engines and
 * measures it.
 *
 * <h2>Measurement</h2>
 * The first {@code warmup} fraction of the plan's requests warm the caches and are not measured. The measurement
 * window runs from the arrival of the first measured request to the arrival of the last request (while load is
 * offered). Latency percentiles, hit rate and queue times are over the measured requests (every request runs to the
 * end). Output throughput counts the tokens sampled inside the window, over its length (steady-state service rate
 * while the load is on); request throughput is the measured requests over the time from the first one's arrival to
 * the last one's finish ({@code vllm bench serve}'s completed / duration, which includes the drain). The mean
 * waiting queue averages every engine's waiting requests, sampled every 100 ms inside the window.
 *
 * <p>A request whose plan names a predecessor (the previous turn of a conversation) is sent at its planned time or
 * when the predecessor finishes, whichever is later; its latencies count from when it is sent.
 *
 * <h2>Closed loop</h2>
 * {@link #runClosedLoop} ignores the plan's arrival times: {@code concurrency} clients each send a request, and the
 * next of the plan when theirs finishes ({@code vllm bench serve --max-concurrency} with every request due at once,
 * inference-perf's {@code concurrent} load). The window then runs from the sending of the first measured request to
 * the sending of the last one. Throughput is what the policy makes of a fixed number of users, so a policy that
 * serves requests faster (cache hits instead of recomputed prefixes) also serves more of them, which an open loop at
 * an offered load below everyone's capacity cannot show.
 *
 * <p>Deterministic: the same settings, workload plan and policy give the same result.
 */
final class DesRunner {

    /** The base model the engines serve. */
    static final String MODEL = "sim-model";

    /**
     * The run settings.
     *
     * @param pods the number of engines
     * @param profile the engines' hardware profile
     * @param seed the simulation's seed (step jitter, scheduler tie-breaks)
     * @param warmup the fraction of requests not measured, 0..0.9
     * @param scrapeInterval the gateway policies' metrics scrape interval
     * @param staleness the age at which the gateway policies treat metrics as stale
     */
    record Settings(int pods, SimulatorProfile profile, long seed, double warmup, Duration scrapeInterval,
                    Duration staleness) {
        Settings {
            requireNonNull(profile, "profile");
            if (pods < 1) {
                throw new IllegalArgumentException("pods: " + pods + " (expected: >= 1)");
            }
            if (!(warmup >= 0 && warmup <= 0.9)) {
                throw new IllegalArgumentException("warmup: " + warmup + " (expected: 0..0.9)");
            }
        }
    }

    static final Duration QUEUE_SAMPLE_INTERVAL = Duration.ofMillis(100);

    private DesRunner() {}

    /** Returns the config of every engine for {@code workload}. */
    static SimulatorConfig engineConfig(Workload workload, Settings settings) {
        final SimulatorConfig.Builder b = SimulatorConfig.builder(MODEL).profile(settings.profile())
                                                         .seed(settings.seed());
        if (!workload.loraAdapters().isEmpty()) {
            b.loraAdapters(workload.loraAdapters()).maxLoras(workload.maxLoras());
        }
        return b.build();
    }

    static RunResult run(Workload workload, List<PlannedRequest> plan, Policy policy, double load,
                         Settings settings) {
        return run(workload, plan, policy.cliName(),
                   policy.isGatewayProfile() ? () -> SchedulerProfiles.byName(policy.cliName()) : null, load,
                   settings);
    }

    /**
     * Runs {@code plan} in a closed loop of {@code concurrency} clients (see the class comment), reporting the
     * concurrency as the run's load.
     *
     * @throws IllegalArgumentException if a request of the plan waits for another (multi-turn), which a closed loop
     *     over the plan's order does not model
     */
    static RunResult runClosedLoop(Workload workload, List<PlannedRequest> plan, Policy policy, int concurrency,
                                   Settings settings) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: >= 1)");
        }
        for (PlannedRequest p : plan) {
            if (p.after() != null) {
                throw new IllegalArgumentException(workload.name() + ": requests depend on earlier ones; a closed " +
                                                   "loop runs only workloads of independent requests");
            }
        }
        return run(workload, plan, policy.cliName(),
                   policy.isGatewayProfile() ? () -> SchedulerProfiles.byName(policy.cliName()) : null, concurrency,
                   settings, concurrency);
    }

    /**
     * Runs {@code plan} routed by the gateway's scheduler with a fresh profile from {@code profile}, or by the
     * {@link OraclePolicy} when {@code profile} is {@code null}, and reports it under {@code policyName}.
     */
    static RunResult run(Workload workload, List<PlannedRequest> plan, String policyName,
                         @Nullable Supplier<SchedulerProfile> profile, double load, Settings settings) {
        return run(workload, plan, policyName, profile, load, settings, 0);
    }

    /** Runs open loop at the plan's arrival times when {@code concurrency} is 0, else closed loop. */
    private static RunResult run(Workload workload, List<PlannedRequest> plan, String policyName,
                                 @Nullable Supplier<SchedulerProfile> profile, double load, Settings settings,
                                 int concurrency) {
        final long started = System.nanoTime();
        final DiscreteEventSimulation sim = new DiscreteEventSimulation(settings.seed());
        final SimulatorConfig config = engineConfig(workload, settings);
        for (int i = 0; i < settings.pods(); i++) {
            sim.addEngine("pod-" + i, config);
        }
        final Map<String, PlannedRequest> byId = new HashMap<>(plan.size() * 2);
        for (PlannedRequest p : plan) {
            byId.put(p.id(), p);
        }
        final int n = plan.size();
        final int firstMeasured = Math.min(n - 1, (int) Math.floor(settings.warmup() * n));
        final Collector collector;
        if (concurrency == 0) {
            final long windowStart = plan.get(firstMeasured).arrivalNanos();
            final long windowEnd = Math.max(windowStart + 1, plan.get(n - 1).arrivalNanos());
            collector = new Collector(sim, byId, firstMeasured, windowStart, windowEnd, null);
        } else {
            // The window opens and closes as the first measured and the last requests are sent.
            collector = new Collector(sim, byId, firstMeasured, Long.MAX_VALUE, Long.MAX_VALUE, plan);
        }

        final RoutingPolicy routing;
        if (profile != null) {
            final GatewayPolicy gateway = new GatewayPolicy(sim, profile.get(),
                                                            settings.seed(), byId::get, settings.scrapeInterval(),
                                                            settings.staleness());
            sim.listener(gateway);
            gateway.startScraping(() -> collector.finished < n);
            routing = gateway;
        } else {
            routing = new OraclePolicy();
        }
        sim.routing(routing).listener(collector).keepRecords(false);
        if (concurrency == 0) {
            for (PlannedRequest p : plan) {
                sim.schedule(Duration.ofNanos(p.arrivalNanos()), () -> collector.due(p));
            }
            collector.sampleQueuesFrom(collector.windowStart);
        } else {
            sim.schedule(Duration.ZERO, () -> {
                for (int i = 0; i < Math.min(concurrency, n); i++) {
                    collector.sendNext();
                }
            });
        }
        sim.run();
        if (collector.finished != n) {
            throw new IllegalStateException("run ended with " + collector.finished + " of " + n + " requests done");
        }
        long preemptions = 0;
        for (SimulatedEngine e : sim.engines()) {
            preemptions += e.preemptions();
        }
        return collector.result(workload.name(), policyName, load, preemptions,
                                (System.nanoTime() - started) / 1_000_000);
    }

    /** Sends due requests (after their predecessors), and gathers what the run measures. */
    private static final class Collector implements RequestListener {

        private final DiscreteEventSimulation sim;
        private final Map<String, PlannedRequest> byId;
        private final int firstMeasured;
        private long windowStart;
        private long windowEnd;
        /** The plan in sending order, for a closed loop; null for an open one. */
        private final @Nullable List<PlannedRequest> closedLoop;
        private int sent;
        private final Set<String> done = new HashSet<>();
        private final Map<String, PlannedRequest> waitingOn = new HashMap<>();
        private final List<RequestRecord> measured = new ArrayList<>();
        int finished;
        private long tokensInWindow;
        private long firstMeasuredArrival = Long.MAX_VALUE;
        private long lastMeasuredFinish = Long.MIN_VALUE;
        private double waitingSum;
        private long waitingSamples;

        Collector(DiscreteEventSimulation sim, Map<String, PlannedRequest> byId, int firstMeasured,
                  long windowStart, long windowEnd, @Nullable List<PlannedRequest> closedLoop) {
            this.sim = sim;
            this.byId = byId;
            this.firstMeasured = firstMeasured;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
            this.closedLoop = closedLoop;
        }

        /** Closed loop: sends the plan's next request now, opening and closing the window on the way. */
        void sendNext() {
            final List<PlannedRequest> plan = closedLoop;
            if (plan == null || sent >= plan.size()) {
                return;
            }
            final long now = sim.now().toNanos();
            final int i = sent++;
            if (i == firstMeasured) {
                windowStart = now;
                sampleQueuesFrom(now);
            }
            if (i == plan.size() - 1) {
                windowEnd = Math.max(windowStart + 1, now);
            }
            sim.submit(plan.get(i).toSimulated(sim.now()));
        }

        void due(PlannedRequest p) {
            if (p.after() != null && !done.contains(p.after())) {
                waitingOn.put(p.after(), p);
            } else {
                sim.submit(p.toSimulated(sim.now()));
            }
        }

        void sampleQueuesFrom(long at) {
            sim.schedule(Duration.ofNanos(at), () -> {
                int waiting = 0;
                for (SimulatedEngine e : sim.engines()) {
                    waiting += e.waitingRequests();
                }
                waitingSum += (double) waiting / sim.engines().size();
                waitingSamples++;
                final long next = at + QUEUE_SAMPLE_INTERVAL.toNanos();
                if (next <= windowEnd && (closedLoop == null || sent < closedLoop.size())) {
                    sampleQueuesFrom(next);
                }
            });
        }

        @Override
        public void token(SimulatedRequest request, int index, Duration time) {
            final long t = time.toNanos();
            if (t >= windowStart && t <= windowEnd) {
                tokensInWindow++;
            }
        }

        @Override
        public void finished(SimulatedRequest request, RequestRecord record) {
            finished++;
            done.add(request.id());
            if (byId.get(request.id()).index() >= firstMeasured) {
                measured.add(record);
                firstMeasuredArrival = Math.min(firstMeasuredArrival, record.arrival().toNanos());
                lastMeasuredFinish = Math.max(lastMeasuredFinish, record.finished().toNanos());
            }
            final PlannedRequest next = waitingOn.remove(request.id());
            if (next != null) {
                sim.submit(next.toSimulated(sim.now()));
            }
            sendNext(); // closed loop: this client sends its next request

        }

        RunResult result(String workload, String policy, double load, long preemptions, long wallMillis) {
            final int m = measured.size();
            final double[] ttft = new double[m];
            final double[] tpot = new double[m];
            final double[] e2e = new double[m];
            final double[] queue = new double[m];
            long prompt = 0;
            long cached = 0;
            for (int i = 0; i < m; i++) {
                final RequestRecord r = measured.get(i);
                ttft[i] = seconds(r.timeToFirstToken());
                tpot[i] = seconds(r.timePerOutputToken());
                e2e[i] = seconds(r.endToEnd());
                queue[i] = seconds(r.queueTime());
                prompt += r.promptTokens();
                cached += r.cachedTokens();
            }
            final double window = (windowEnd - windowStart) / 1e9;
            final double span = (lastMeasuredFinish - firstMeasuredArrival) / 1e9;
            return new RunResult(workload, policy, load, m, Percentiles.of(ttft, 50), Percentiles.of(ttft, 90),
                                 Percentiles.of(ttft, 99), Percentiles.of(tpot, 90), Percentiles.of(e2e, 90),
                                 tokensInWindow / window, m == 0 ? Double.NaN : m / span,
                                 prompt == 0 ? Double.NaN : (double) cached / prompt,
                                 waitingSamples == 0 ? Double.NaN : waitingSum / waitingSamples,
                                 Percentiles.mean(queue), Percentiles.of(queue, 90), preemptions, window, wallMillis);
        }

        private static double seconds(Duration d) {
            return d.toNanos() / 1e9;
        }
    }
}

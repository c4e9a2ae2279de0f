package dev.sluice.bench.routing;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.sluice.simulator.SimulatorProfile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command-line entry point of the routing benchmark ({@code ./sluice bench routing}): runs workloads against routing
 * policies at several offered loads, prints a table per workload and the goals, and optionally writes JSON and an SVG
 * chart of TTFT p90 against offered load.
 */
@Command(name = "sluice bench routing", mixinStandardHelpOptions = true, sortOptions = false,
        version = "Sluice routing benchmark",
        description = {
            "Routes workloads (shared-prefix, low-sharing, multi-turn, multi-lora) over simulated vLLM pods with each "
                    + "policy (random, round-robin, least-queue, gie-default, sluice-default, oracle) at several "
                    + "offered loads, and checks Sluice's routing goals at round-robin's knee.",
            "des: a seeded discrete-event simulation (no sockets, fast, deterministic) with the gateway's scheduler "
                    + "fed 50 ms scrapes in virtual time. live: simulator servers on loopback behind the real "
                    + "gateway."})
public final class RoutingBenchmark implements Callable<Integer> {

    @Option(names = "--mode", defaultValue = "des", description = "des or live (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--workloads", split = ",", paramLabel = "NAME[,NAME...]",
            defaultValue = "shared-prefix,low-sharing,multi-turn,multi-lora",
            description = "Workloads to run (default: ${DEFAULT-VALUE}); also hot-prefix (two prefixes, each half the "
                    + "traffic).")
    List<String> workloads;

    @Option(names = "--policies", split = ",", paramLabel = "NAME[,NAME...]",
            defaultValue = "random,round-robin,least-queue,gie-default,sluice-default,oracle",
            description = "Policies to compare (default: ${DEFAULT-VALUE}).")
    List<String> policies;

    @Option(names = "--pods", defaultValue = "8", description = "Simulated pods (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--profile", defaultValue = "qwen3-32b-tp2-h100",
            description = "Simulator hardware profile: qwen3-32b-tp2-h100, llama-8b-h100 or llama-8b-a10 "
                    + "(default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--loads", defaultValue = "auto", paramLabel = "auto|QPS[,QPS...]",
            description = "Offered loads in requests/s, or auto: from the workload's first load up in its steps "
                    + "until round-robin's TTFT p90 passes --knee-ttft, then two more (default: ${DEFAULT-VALUE}).")
    String loads;

    @Option(names = "--closed-loop", defaultValue = "none", paramLabel = "none|auto|N[,N...]",
            description = "DES: also run a closed-loop sweep at these concurrencies (clients that each send the " +
                          "next request when theirs finishes), for workloads of independent requests; auto: " +
                          "8, 16, 32, 64, 128, 256 (default: ${DEFAULT-VALUE}).")
    String closedLoop;

    @Option(names = "--max-levels", defaultValue = "12",
            description = "Most load levels of an automatic sweep (default: ${DEFAULT-VALUE}).")
    int maxLevels;

    @Option(names = "--requests", defaultValue = "1500",
            description = "Least requests per run (each policy at each load) (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--min-duration", defaultValue = "150", paramLabel = "SECONDS",
            description = "Offer each load for at least this long: a run has max(--requests, load × this) requests "
                    + "(default: ${DEFAULT-VALUE}).")
    double minDuration;

    @Option(names = "--warmup", defaultValue = "0.2",
            description = "Fraction of each run's requests not measured (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--scale", defaultValue = "1",
            description = "Multiply every workload token length (prompts and outputs) by this (default: "
                    + "${DEFAULT-VALUE}).")
    double scale;

    @Option(names = "--seed", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--scrape-interval", defaultValue = "50", paramLabel = "MS",
            description = "DES: metrics scrape interval of the gateway policies (default: ${DEFAULT-VALUE}).")
    long scrapeIntervalMillis;

    @Option(names = "--knee-ttft", defaultValue = "2", paramLabel = "SECONDS",
            description = "TTFT p90 that marks a policy's knee (default: ${DEFAULT-VALUE}).")
    double kneeTtft;

    @Option(names = "--time-compression", defaultValue = "2",
            description = "Live: how much faster than real time the simulators run (default: ${DEFAULT-VALUE}).")
    double timeCompression;

    @Option(names = "--live-seconds", defaultValue = "60", paramLabel = "SECONDS",
            description = "Live: real seconds of offered load per run (default: ${DEFAULT-VALUE}).")
    double liveSeconds;

    @Option(names = "--live-max-requests", defaultValue = "3000",
            description = "Live: most requests per run (default: ${DEFAULT-VALUE}).")
    int liveMaxRequests;

    @Option(names = "--live-output-tokens", defaultValue = "100",
            description = "Live: output tokens per request, shorter than in DES to keep the SSE event rate within "
                    + "what one machine relays; 0 keeps the workload's (default: ${DEFAULT-VALUE}).")
    int liveOutputTokens;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE.svg",
            description = "Also draw TTFT p90 against offered load, per workload and policy, as SVG to FILE.")
    Path chart;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    /** The concurrencies of {@code --closed-loop auto}. */
    static final List<Double> AUTO_CONCURRENCY = List.of(8.0, 16.0, 32.0, 64.0, 128.0, 256.0);
    /** Requests per client of a closed-loop run (when more than {@code --requests}). */
    static final double CLOSED_LOOP_REQUESTS_PER_CLIENT = 8;

    private final List<String> arguments;

    RoutingBenchmark(String[] arguments) {
        this.arguments = List.of(arguments);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RoutingBenchmark(args)).execute(args));
    }

    /**
     * Live mode: per workload, at the given loads or at round-robin's DES knee, each policy behind the real gateway,
     * then the same loads in DES with the gateway's staleness in engine time, and the rankings compared.
     */
    private int live(List<Workload> ws, List<Policy> ps, List<Double> levels, SimulatorProfile sp,
                     PrintStream progress) throws IOException {
        if (!(timeCompression >= 1) || !(liveSeconds > 0) || liveMaxRequests < 2 || liveOutputTokens < 0) {
            System.err.println("sluice bench routing: need --time-compression >= 1, --live-seconds > 0, " +
                               "--live-max-requests >= 2, --live-output-tokens >= 0");
            return 2;
        }
        // The gateway scrapes every 50 ms of real time and calls 200 ms stale, which is timeCompression times
        // more in engine time: the DES comparison runs with the same staleness.
        final DesRunner.Settings des = new DesRunner.Settings(
                pods, sp, seed, warmup, Duration.ofMillis(Math.round(50 * timeCompression)),
                Duration.ofMillis(Math.round(200 * timeCompression)));
        final LiveRunner runner = new LiveRunner(new LiveRunner.Settings(
                pods, sp, timeCompression, liveMaxRequests, seed, warmup, Duration.ofSeconds(120)));
        final List<WorkloadResults> liveResults = new ArrayList<>();
        final List<WorkloadResults> desResults = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final List<Goal> goals = new ArrayList<>();
        for (Workload w0 : ws) {
            final Workload w = liveOutputTokens > 0 ? w0.withOutputTokens(liveOutputTokens) : w0;
            List<Double> loadsHere = levels;
            if (loadsHere.isEmpty()) {
                final WorkloadResults rr = new LoadSweep((x, plan, p, load) -> DesRunner.run(x, plan, p, load, des),
                                                         requests, minDuration, seed, kneeTtft, maxLevels, null)
                        .run(w, List.of(Policy.ROUND_ROBIN), List.of());
                final Double knee = rr.knee(Policy.ROUND_ROBIN.cliName());
                final double load = knee != null ? knee : rr.loads().get(rr.loads().size() - 1);
                notes.add(w.name() + ": live load " + TextReport.load(load) + " req/s, round-robin's DES " +
                          (knee != null ? "knee" : "highest load (no knee)"));
                loadsHere = List.of(load);
            }
            // Live runs offer each load for --live-seconds of real time: load × compression × seconds requests.
            final LoadSweep liveSweep = new LoadSweep((x, plan, p, load) -> {
                try {
                    return runner.run(x, plan, p, load);
                } catch (LiveRunner.NotWiredException e) {
                    final String note = x.name() + ": " + p + " not run live: " + e.getMessage();
                    if (!notes.contains(note)) {
                        notes.add(note);
                    }
                    return null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }, 2, liveSeconds * timeCompression, seed, kneeTtft, maxLevels, progress);
            WorkloadResults live = liveSweep.run(w, ps, loadsHere);
            if (live.runs().isEmpty()) {
                // No requested policy runs behind this gateway: measure the picker it does use, so live mode
                // still checks the harness end to end and gives one live figure per load.
                final List<RunResult> runs = new ArrayList<>();
                for (double load : loadsHere) {
                    try {
                        final int n = (int) Math.ceil(load * liveSeconds * timeCompression);
                        final RunResult r = runner.run(w, w.plan(Math.max(2, n), load, seed), null, load);
                        notes.add(w.name() + ": ran the gateway's own picker instead (" + r.policy() + ')');
                        runs.add(r);
                    } catch (LiveRunner.NotWiredException e) {
                        throw new IllegalStateException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                }
                live = new WorkloadResults(w.name(), w.shape(), runs, kneeTtft);
            }
            final WorkloadResults same = new LoadSweep((x, plan, p, load) -> DesRunner.run(x, plan, p, load, des),
                                                       requests, minDuration, seed, kneeTtft, maxLevels, null)
                    .run(w, ps, loadsHere);
            liveResults.add(live);
            desResults.add(same);
            goals.add(Goals.rankingAgreement(live, same));
        }
        goals.addAll(0, Goals.evaluate(liveResults));
        System.out.println("Sluice routing benchmark: mode live, " + pods + " simulator servers of " + sp.name() +
                           " at " + TextReport.load(timeCompression) + "x time compression behind the gateway on " +
                           "loopback; " + TextReport.load(liveSeconds) + " s of load per run (at most " +
                           liveMaxRequests + " requests, first " + Math.round(100 * warmup) + "% warm-up)" +
                           (liveOutputTokens > 0 ? ", " + liveOutputTokens + " output tokens" : "") +
                           ". Times are engine time.");
        notes.forEach(n -> System.out.println("note: " + n));
        System.out.println();
        for (WorkloadResults r : liveResults) {
            System.out.print(TextReport.table(r));
            System.out.println();
        }
        System.out.println("DES at the same loads (scrape interval " + des.scrapeInterval().toMillis() +
                           " ms of engine time, as the gateway's 50 ms at this compression):");
        for (WorkloadResults r : desResults) {
            System.out.print(TextReport.table(r));
            System.out.println();
        }
        System.out.print(TextReport.goals(goals));
        if (json != null) {
            Files.writeString(json, JsonResults.render("live", arguments, liveResults, goals));
        }
        if (chart != null) {
            Files.writeString(chart, SvgChart.render(liveResults));
        }
        return 0;
    }

    @Override
    public Integer call() throws IOException {
        final List<Workload> ws = new ArrayList<>();
        final List<Policy> ps = new ArrayList<>();
        final List<Double> levels = new ArrayList<>();
        final List<Double> concurrencies = new ArrayList<>();
        final SimulatorProfile sp;
        try {
            switch (closedLoop.trim()) {
                case "none" -> { }
                case "auto" -> concurrencies.addAll(AUTO_CONCURRENCY);
                default -> {
                    for (String c : closedLoop.split(",")) {
                        final int v;
                        try {
                            v = Integer.parseInt(c.trim());
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("closed-loop: " + c + " (expected: none, auto or " +
                                                               "concurrencies such as 16,64)");
                        }
                        if (v < 1) {
                            throw new IllegalArgumentException("closed-loop: " + c + " (expected: >= 1)");
                        }
                        concurrencies.add((double) v);
                    }
                }
            }
            for (String w : workloads) {
                ws.add(Workloads.byName(w.trim(), scale));
            }
            for (String p : policies) {
                ps.add(Policy.byName(p.trim()));
            }
            if (!"auto".equals(loads.trim())) {
                for (String l : loads.split(",")) {
                    final double v = Double.parseDouble(l.trim());
                    if (!(v > 0) || Double.isInfinite(v)) {
                        throw new IllegalArgumentException("loads: " + l + " (expected: > 0)");
                    }
                    levels.add(v);
                }
            }
            sp = SimulatorProfile.named(profile);
            if (pods < 1 || requests < 2 || !(minDuration >= 0) || maxLevels < 1 || !(kneeTtft > 0) ||
                scrapeIntervalMillis < 1) {
                throw new IllegalArgumentException("need --pods >= 1, --requests >= 2, --min-duration >= 0, " +
                                                   "--max-levels >= 1, --knee-ttft > 0, --scrape-interval >= 1");
            }
            if (!mode.equals("des") && !mode.equals("live")) {
                throw new IllegalArgumentException("mode: " + mode + " (expected: des or live)");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("sluice bench routing: " + e.getMessage());
            return 2;
        }
        final PrintStream progress = quiet ? null : System.err;
        final List<WorkloadResults> results = new ArrayList<>();
        if (mode.equals("des")) {
            final DesRunner.Settings settings = new DesRunner.Settings(
                    pods, sp, seed, warmup, Duration.ofMillis(scrapeIntervalMillis),
                    dev.sluice.picker.metrics.EndpointMetricsStore.DEFAULT_STALENESS_BOUND);
            final LoadSweep sweep = new LoadSweep((w, plan, p, load) -> DesRunner.run(w, plan, p, load, settings),
                                                  requests, minDuration, seed, kneeTtft, maxLevels,
                                                  progress);
            for (Workload w : ws) {
                results.add(sweep.run(w, ps, levels));
            }
            if (!concurrencies.isEmpty()) {
                // At least --requests requests, and 8 per client so each client's later requests are measured.
                final LoadSweep closed = new LoadSweep(
                        (w, plan, p, c) -> DesRunner.runClosedLoop(w, plan, p, (int) c, settings), requests,
                        CLOSED_LOOP_REQUESTS_PER_CLIENT, seed, kneeTtft, maxLevels, progress);
                for (Workload w : ws) {
                    if (w.name().equals(MultiTurnWorkload.NAME)) {
                        continue; // its turns wait for earlier ones: it has a closed loop of its own
                    }
                    final WorkloadResults r = closed.run(w, ps, concurrencies);
                    results.add(new WorkloadResults(w.name() + Goals.CLOSED_LOOP, r.shape(), r.runs(),
                                                    r.kneeTtftSeconds()));
                }
            }
        } else {
            if (!concurrencies.isEmpty()) {
                System.err.println("sluice bench routing: --closed-loop runs in DES mode only");
                return 2;
            }
            return live(ws, ps, levels, sp, progress);
        }
        final List<Goal> goals = Goals.evaluate(results);
        goals.addAll(Goals.evaluateClosedLoop(results));
        System.out.println("Sluice routing benchmark: mode " + mode + ", " + pods + " pods of " + sp.name() +
                           ", max(" + requests + ", " + TextReport.load(minDuration) +
                           " s × load) requests per run (first " + Math.round(100 * warmup) +
                           "% warm-up), seed " + seed + (scale != 1 ? ", token lengths × " + scale : ""));
        System.out.println();
        System.out.print(TextReport.render(results, goals));
        if (json != null) {
            Files.writeString(json, JsonResults.render(mode, arguments, results, goals));
        }
        if (chart != null) {
            Files.writeString(chart, SvgChart.render(results));
        }
        return 0;
    }
}

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
            description = "Workloads to run (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path json;

    @Option(names = "--chart", paramLabel = "FILE.svg",
            description = "Also draw TTFT p90 against offered load, per workload and policy, as SVG to FILE.")
    Path chart;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;

    private final List<String> arguments;

    RoutingBenchmark(String[] arguments) {
        this.arguments = List.of(arguments);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new RoutingBenchmark(args)).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        final List<Workload> ws = new ArrayList<>();
        final List<Policy> ps = new ArrayList<>();
        final List<Double> levels = new ArrayList<>();
        final SimulatorProfile sp;
        try {
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
        } else {
            System.err.println("sluice bench routing: live mode is not implemented yet");
            return 2;
        }
        final List<Goal> goals = Goals.evaluate(results);
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

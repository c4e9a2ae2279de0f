package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Runs a workload under every policy at a series of offered loads: the loads given, or automatically from the
 * workload's first load up in its steps until round-robin's TTFT p90 passes the knee threshold, then
 * {@value #BEYOND_KNEE} levels more, or up to twice the knee for workloads that {@linkplain
 * Workload#sweepToTwiceKnee() ask for it} (at most {@code maxLevels} in all).
 */
final class LoadSweep {

    /** Levels run after round-robin's knee in an automatic sweep. */
    static final int BEYOND_KNEE = 2;

    /** Runs one (workload, policy, load); returns {@code null} when the policy cannot run (it is left out). */
    @FunctionalInterface
    interface Runner {
        @Nullable RunResult run(Workload workload, List<PlannedRequest> plan, Policy policy, double load);
    }

    private final Runner runner;
    private final int requests;
    private final double minSeconds;
    private final long seed;
    private final double kneeTtftSeconds;
    private final int maxLevels;
    private final @Nullable PrintStream progress;

    /**
     * Creates a sweep of runs of {@code max(requests, load × minSeconds)} requests each, so that every run offers
     * its load for at least {@code minSeconds}.
     */
    LoadSweep(Runner runner, int requests, double minSeconds, long seed, double kneeTtftSeconds, int maxLevels,
              @Nullable PrintStream progress) {
        this.runner = requireNonNull(runner, "runner");
        if (requests < 2) {
            throw new IllegalArgumentException("requests: " + requests + " (expected: >= 2)");
        }
        this.requests = requests;
        this.minSeconds = minSeconds;
        this.seed = seed;
        this.kneeTtftSeconds = kneeTtftSeconds;
        this.maxLevels = maxLevels;
        this.progress = progress;
    }

    /**
     * Runs {@code workload} under {@code policies} at {@code loads}, or automatically when {@code loads} is empty
     * (round-robin runs first at each level, and is added if missing).
     */
    WorkloadResults run(Workload workload, List<Policy> policies, List<Double> loads) {
        final List<RunResult> runs = new ArrayList<>();
        if (!loads.isEmpty()) {
            for (double load : loads) {
                level(workload, policies, load, runs);
            }
        } else {
            final List<Policy> ordered = new ArrayList<>(policies);
            ordered.remove(Policy.ROUND_ROBIN);
            ordered.add(0, Policy.ROUND_ROBIN);
            int afterKnee = -1;
            double knee = Double.NaN;
            for (int k = 0; k < maxLevels; k++) {
                final double load = workload.firstLoad() + k * workload.loadStep();
                final List<RunResult> level = level(workload, ordered, load, runs);
                if (afterKnee >= 0) {
                    afterKnee++;
                } else if (!level.isEmpty() && level.get(0).policy().equals(Policy.ROUND_ROBIN.cliName()) &&
                           level.get(0).ttftP90() > kneeTtftSeconds) {
                    afterKnee = 0;
                    knee = load;
                }
                if (afterKnee >= BEYOND_KNEE && (!workload.sweepToTwiceKnee() || load >= 2 * knee)) {
                    break;
                }
            }
        }
        return new WorkloadResults(workload.name(), workload.shape(), runs, kneeTtftSeconds);
    }

    /** Returns the requests of a run at {@code load}. */
    int requestsAt(double load) {
        return (int) Math.max(requests, Math.min(Integer.MAX_VALUE / 2, Math.ceil(load * minSeconds)));
    }

    private List<RunResult> level(Workload workload, List<Policy> policies, double load, List<RunResult> runs) {
        final List<PlannedRequest> plan = workload.plan(requestsAt(load), load, seed);
        final List<RunResult> level = new ArrayList<>();
        for (Policy policy : policies) {
            final RunResult r = runner.run(workload, plan, policy, load);
            if (r == null) {
                continue;
            }
            if (progress != null) {
                progress.printf(Locale.ROOT, "%-13s load %6s  %-14s  TTFT p90 %8.3f s  hit %5.1f%%  out %8.0f tok/s" +
                                             "  (%.1f s)%n", workload.name(), TextReport.load(load), policy,
                                r.ttftP90(), 100 * r.prefixHitRate(), r.outputTokensPerSecond(),
                                r.wallMillis() / 1000.0);
                progress.flush();
            }
            level.add(r);
            runs.add(r);
        }
        return level;
    }
}

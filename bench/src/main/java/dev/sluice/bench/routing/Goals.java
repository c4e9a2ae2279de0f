package dev.sluice.bench.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.sluice.bench.routing.Goal.Verdict;

/**
 * Checks the routing goals (issue 3; reference/performance.md §5(b)) against sweep results. Every comparison is at
 * round-robin's knee: the lowest offered load at which its TTFT p90 passes the knee threshold (2 s). When
 * round-robin never passes it, the highest load run stands in and the figures say so.
 * <ul>
 *   <li>shared-prefix: Sluice's TTFT p90 at most 0.1× round-robin's and at most 0.5× gie-default's; its output
 *       throughput at least 2× round-robin's; its prefix-hit rate within 5 points of the oracle's (or above). Since
 *       no policy can serve more than the offered load, which at round-robin's knee is barely above round-robin's
 *       capacity, two capacity checks follow the throughput one: the highest output throughput over the sweep, and
 *       the plan's stretch goal of a knee at twice round-robin's load.</li>
 *   <li>low-sharing: Sluice within 5% of least-queue: throughput at least 0.95×, TTFT p90 at most 1.05×.</li>
 *   <li>multi-turn: TTFT p90 at most 0.5× round-robin's (the plan's target for this workload).</li>
 *   <li>multi-lora: no more waiting for admission than round-robin (mean queue time, which in this workload is
 *       mostly waiting for an adapter slot), at every load run.</li>
 * </ul>
 */
final class Goals {

    static final String SLUICE = Policy.SLUICE_DEFAULT.cliName();
    static final String RR = Policy.ROUND_ROBIN.cliName();
    static final String GIE = Policy.GIE_DEFAULT.cliName();
    static final String LQ = Policy.LEAST_QUEUE.cliName();
    static final String ORACLE = Policy.ORACLE.cliName();

    private Goals() {}

    static List<Goal> evaluate(List<WorkloadResults> all) {
        final List<Goal> goals = new ArrayList<>();
        for (WorkloadResults w : all) {
            switch (w.workload()) {
                case SharedPrefixWorkload.NAME -> sharedPrefix(w, goals);
                case LowSharingWorkload.NAME -> lowSharing(w, goals);
                case MultiTurnWorkload.NAME -> multiTurn(w, goals);
                case MultiLoraWorkload.NAME -> multiLora(w, goals);
                default -> { }
            }
        }
        return goals;
    }

    /** Returns round-robin's knee, or the highest load when it has none; empty without round-robin runs. */
    static Optional<Double> comparisonLoad(WorkloadResults w) {
        if (!w.policies().contains(RR) || w.loads().isEmpty()) {
            return Optional.empty();
        }
        final Double knee = w.knee(RR);
        return Optional.of(knee != null ? knee : w.loads().get(w.loads().size() - 1));
    }

    private static String at(WorkloadResults w, double load) {
        final Double knee = w.knee(RR);
        return knee != null && knee == load ? "at round-robin's knee, " + TextReport.load(load) + " req/s"
                                            : "round-robin never passed " + fmt(w.kneeTtftSeconds()) +
                                              " s; at the highest load, " + TextReport.load(load) + " req/s";
    }

    private static void sharedPrefix(WorkloadResults w, List<Goal> goals) {
        final String wl = w.workload();
        final Optional<Double> load = comparisonLoad(w);
        final Optional<RunResult> s = load.flatMap(l -> w.run(SLUICE, l));
        final Optional<RunResult> rr = load.flatMap(l -> w.run(RR, l));
        final Optional<RunResult> gie = load.flatMap(l -> w.run(GIE, l));
        final Optional<RunResult> oracle = load.flatMap(l -> w.run(ORACLE, l));
        final String where = load.map(l -> at(w, l)).orElse("");
        goals.add(ratio(wl, "TTFT p90 <= 0.1x round-robin's", s, rr, RunResult::ttftP90, 0.1, true, where, "s"));
        goals.add(ratio(wl, "TTFT p90 <= 0.5x gie-default's", s, gie, RunResult::ttftP90, 0.5, true, where, "s"));
        goals.add(ratio(wl, "output tok/s >= 2x round-robin's", s, rr, RunResult::outputTokensPerSecond, 2, false,
                        where, "tok/s"));
        goals.add(peakThroughput(w));
        goals.add(kneeRatio(w));
        if (s.isEmpty() || oracle.isEmpty()) {
            goals.add(notMeasured(wl, "prefix-hit rate within 5 points of the oracle", SLUICE + ", " + ORACLE));
        } else {
            final double gap = oracle.get().prefixHitRate() - s.get().prefixHitRate();
            goals.add(new Goal(wl, "prefix-hit rate within 5 points of the oracle",
                               gap <= 0.05 ? Verdict.PASS : Verdict.FAIL,
                               String.format(Locale.ROOT, "%s: sluice-default %.1f%%, oracle %.1f%% (%+.1f points)",
                                             where, 100 * s.get().prefixHitRate(),
                                             100 * oracle.get().prefixHitRate(), -100 * gap)));
        }
    }

    /**
     * At round-robin's knee the offered load is barely above round-robin's capacity, so no policy can serve 2× its
     * throughput there; this checks the capacities instead: the highest output throughput each reached in the sweep.
     */
    private static Goal peakThroughput(WorkloadResults w) {
        final String name = "peak output tok/s >= 2x round-robin's (sweep)";
        if (!w.policies().contains(SLUICE) || !w.policies().contains(RR)) {
            return notMeasured(w.workload(), name, SLUICE + ", " + RR);
        }
        final double s = peak(w, SLUICE);
        final double rr = peak(w, RR);
        return new Goal(w.workload(), name, s >= 2 * rr ? Verdict.PASS : Verdict.FAIL,
                        String.format(Locale.ROOT, "highest over loads %s..%s req/s: %s vs %s tok/s = %.3fx",
                                      TextReport.load(w.loads().get(0)),
                                      TextReport.load(w.loads().get(w.loads().size() - 1)), fmt(s), fmt(rr),
                                      s / rr));
    }

    private static double peak(WorkloadResults w, String policy) {
        return w.runs().stream().filter(r -> r.policy().equals(policy))
                .mapToDouble(RunResult::outputTokensPerSecond).max().orElse(Double.NaN);
    }

    /** The plan's stretch goal: Sluice's knee at twice round-robin's load or more. */
    private static Goal kneeRatio(WorkloadResults w) {
        final String name = "knee load >= 2x round-robin's (stretch)";
        final Double rrKnee = w.policies().contains(RR) ? w.knee(RR) : null;
        if (!w.policies().contains(SLUICE) || rrKnee == null) {
            return notMeasured(w.workload(), name, "round-robin to reach its knee, and " + SLUICE);
        }
        final Double knee = w.knee(SLUICE);
        final double max = w.loads().get(w.loads().size() - 1);
        if (knee == null) {
            return max >= 2 * rrKnee
                   ? new Goal(w.workload(), name, Verdict.PASS,
                              "sluice-default below " + fmt(w.kneeTtftSeconds()) + " s up to " +
                              TextReport.load(max) + " req/s, round-robin's knee " + TextReport.load(rrKnee))
                   : notMeasured(w.workload(), name, "loads up to " + TextReport.load(2 * rrKnee) +
                                                     " req/s (sluice-default has no knee up to " +
                                                     TextReport.load(max) + ')');
        }
        return new Goal(w.workload(), name, knee >= 2 * rrKnee ? Verdict.PASS : Verdict.FAIL,
                        String.format(Locale.ROOT, "sluice-default %s vs round-robin %s req/s = %.2fx",
                                      TextReport.load(knee), TextReport.load(rrKnee), knee / rrKnee));
    }

    private static void lowSharing(WorkloadResults w, List<Goal> goals) {
        final String wl = w.workload();
        final Optional<Double> load = comparisonLoad(w);
        final Optional<RunResult> s = load.flatMap(l -> w.run(SLUICE, l));
        final Optional<RunResult> lq = load.flatMap(l -> w.run(LQ, l));
        final String where = load.map(l -> at(w, l)).orElse("");
        goals.add(ratio(wl, "output tok/s >= 0.95x least-queue's", s, lq, RunResult::outputTokensPerSecond, 0.95,
                        false, where, "tok/s"));
        goals.add(ratio(wl, "TTFT p90 <= 1.05x least-queue's", s, lq, RunResult::ttftP90, 1.05, true, where, "s"));
    }

    private static void multiTurn(WorkloadResults w, List<Goal> goals) {
        final Optional<Double> load = comparisonLoad(w);
        goals.add(ratio(w.workload(), "TTFT p90 <= 0.5x round-robin's", load.flatMap(l -> w.run(SLUICE, l)),
                        load.flatMap(l -> w.run(RR, l)), RunResult::ttftP90, 0.5, true,
                        load.map(l -> at(w, l)).orElse(""), "s"));
    }

    private static void multiLora(WorkloadResults w, List<Goal> goals) {
        final String name = "mean queue time <= round-robin's at every load";
        if (!w.policies().contains(SLUICE) || !w.policies().contains(RR)) {
            goals.add(notMeasured(w.workload(), name, SLUICE + ", " + RR));
            return;
        }
        boolean pass = true;
        final StringBuilder figures = new StringBuilder();
        for (double load : w.loads()) {
            final Optional<RunResult> s = w.run(SLUICE, load);
            final Optional<RunResult> rr = w.run(RR, load);
            if (s.isEmpty() || rr.isEmpty()) {
                continue;
            }
            // A millisecond of slack: both can be ~0 at light load.
            pass &= s.get().meanQueueTime() <= rr.get().meanQueueTime() + 0.001;
            if (!figures.isEmpty()) {
                figures.append("; ");
            }
            figures.append(String.format(Locale.ROOT, "%s req/s: %s vs %s s", TextReport.load(load),
                                         fmt(s.get().meanQueueTime()), fmt(rr.get().meanQueueTime())));
        }
        goals.add(new Goal(w.workload(), name, pass ? Verdict.PASS : Verdict.FAIL,
                           "sluice-default vs round-robin, " + figures));
    }

    private static Goal ratio(String workload, String name, Optional<RunResult> ours, Optional<RunResult> theirs,
                              java.util.function.ToDoubleFunction<RunResult> metric, double bound,
                              boolean atMost, String where, String unit) {
        if (ours.isEmpty() || theirs.isEmpty()) {
            return notMeasured(workload, name, "a sweep with " + SLUICE + " and the baseline");
        }
        final double a = metric.applyAsDouble(ours.get());
        final double b = metric.applyAsDouble(theirs.get());
        final double ratio = a / b;
        final boolean pass = atMost ? a <= bound * b : a >= bound * b;
        return new Goal(workload, name, pass ? Verdict.PASS : Verdict.FAIL,
                        String.format(Locale.ROOT, "%s: %s %s vs %s %s = %.3fx", where, fmt(a), unit,
                                      fmt(b), unit, ratio));
    }

    private static Goal notMeasured(String workload, String name, String needs) {
        return new Goal(workload, name, Verdict.NOT_MEASURED, "needs " + needs);
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        final double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}

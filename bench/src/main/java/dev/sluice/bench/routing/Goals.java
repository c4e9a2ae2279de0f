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
 *   <li>low-sharing: Sluice within 5% of least-queue: throughput at least 0.95×, TTFT p90 at most 1.05×, at every
 *       load below round-robin's knee (past it every policy queues alike).</li>
 *   <li>multi-turn: TTFT p90 at most 0.5× round-robin's (the plan's target for this workload).</li>
 *   <li>multi-lora: no more waiting for admission than round-robin (mean queue time, which in this workload is
 *       mostly waiting for an adapter slot), at every load run, with {@value #QUEUE_SLACK_SECONDS} s of slack.</li>
 * </ul>
 */
final class Goals {

    static final String SLUICE = Policy.SLUICE_DEFAULT.cliName();
    static final String RR = Policy.ROUND_ROBIN.cliName();
    static final String GIE = Policy.GIE_DEFAULT.cliName();
    static final String LQ = Policy.LEAST_QUEUE.cliName();
    static final String ORACLE = Policy.ORACLE.cliName();

    /** The TTFT p90 ratio beyond which DES tells two policies apart, for the live ranking check. */
    static final double CLEAR_DIFFERENCE = 1.5;

    /** The slack of the multi-LoRA comparison: waits this short are not adapter thrash. */
    static final double QUEUE_SLACK_SECONDS = 0.010;

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

    /** Marks the results of a closed-loop sweep, whose loads are concurrencies: {@code shared-prefix (closed loop)}. */
    static final String CLOSED_LOOP = " (closed loop)";

    /** Returns whether {@code w} holds a closed-loop sweep (loads are concurrencies). */
    static boolean isClosedLoop(WorkloadResults w) {
        return w.workload().endsWith(CLOSED_LOOP);
    }

    /**
     * Evaluates the shared-prefix goals on a closed-loop sweep, at round-robin's knee concurrency (the lowest at which
     * its TTFT p90 passes the threshold): there the number of users is fixed and each policy serves them as fast as
     * it can, so throughput can differ, unlike at an offered load all policies can serve.
     */
    static List<Goal> evaluateClosedLoop(List<WorkloadResults> all) {
        final List<Goal> goals = new ArrayList<>();
        for (WorkloadResults w : all) {
            if (!w.workload().equals(SharedPrefixWorkload.NAME + CLOSED_LOOP)) {
                continue;
            }
            final String wl = w.workload();
            final Optional<Double> c = comparisonLoad(w);
            final Optional<RunResult> s = c.flatMap(l -> w.run(SLUICE, l));
            final Optional<RunResult> rr = c.flatMap(l -> w.run(RR, l));
            final Optional<RunResult> gie = c.flatMap(l -> w.run(GIE, l));
            final Double knee = w.knee(RR);
            final String where = c.map(l -> knee != null && knee.doubleValue() == l
                                            ? "at round-robin's knee, concurrency " + TextReport.load(l)
                                            : "round-robin never passed " + fmt(w.kneeTtftSeconds()) +
                                              " s; at the highest concurrency, " + TextReport.load(l)).orElse("");
            goals.add(ratio(wl, "TTFT p90 <= 0.1x round-robin's", s, rr, RunResult::ttftP90, 0.1, true, where,
                            "s"));
            goals.add(ratio(wl, "TTFT p90 <= 0.5x gie-default's", s, gie, RunResult::ttftP90, 0.5, true, where,
                            "s"));
            goals.add(ratio(wl, "output tok/s >= 2x round-robin's", s, rr, RunResult::outputTokensPerSecond, 2,
                            false, where, "tok/s"));
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
        if (!w.policies().contains(SLUICE) || !w.policies().contains(RR) || w.loads().size() < 2) {
            return notMeasured(w.workload(), name, "a sweep of " + SLUICE + " and " + RR + " over several loads");
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

    /**
     * Low sharing compares at every load below round-robin's knee (all of them when it has none): at and past the
     * knee every policy queues alike and the comparison says nothing. The worst ratios count.
     */
    private static void lowSharing(WorkloadResults w, List<Goal> goals) {
        final String wl = w.workload();
        final String tput = "output tok/s >= 0.95x least-queue's below the knee";
        final String ttft = "TTFT p90 <= 1.05x least-queue's below the knee";
        if (!w.policies().contains(SLUICE) || !w.policies().contains(LQ)) {
            goals.add(notMeasured(wl, tput, SLUICE + ", " + LQ));
            goals.add(notMeasured(wl, ttft, SLUICE + ", " + LQ));
            return;
        }
        final Double knee = w.policies().contains(RR) ? w.knee(RR) : null;
        double worstTput = Double.POSITIVE_INFINITY;
        double worstTtft = Double.NEGATIVE_INFINITY;
        final StringBuilder tputFigures = new StringBuilder();
        final StringBuilder ttftFigures = new StringBuilder();
        for (double load : w.loads()) {
            if (knee != null && load >= knee) {
                continue;
            }
            final Optional<RunResult> s = w.run(SLUICE, load);
            final Optional<RunResult> lq = w.run(LQ, load);
            if (s.isEmpty() || lq.isEmpty()) {
                continue;
            }
            final double t = s.get().outputTokensPerSecond() / lq.get().outputTokensPerSecond();
            final double l = s.get().ttftP90() / lq.get().ttftP90();
            worstTput = Math.min(worstTput, t);
            worstTtft = Math.max(worstTtft, l);
            tputFigures.append(tputFigures.isEmpty() ? "" : ", ")
                       .append(String.format(Locale.ROOT, "%s: %.3fx", TextReport.load(load), t));
            ttftFigures.append(ttftFigures.isEmpty() ? "" : ", ")
                       .append(String.format(Locale.ROOT, "%s: %s/%s s = %.3fx", TextReport.load(load),
                                             fmt(s.get().ttftP90()), fmt(lq.get().ttftP90()), l));
        }
        if (tputFigures.isEmpty()) {
            goals.add(notMeasured(wl, tput, "a load below round-robin's knee"));
            goals.add(notMeasured(wl, ttft, "a load below round-robin's knee"));
            return;
        }
        final String where = knee != null ? "loads below round-robin's knee (" + TextReport.load(knee) + "), "
                                          : "every load, ";
        goals.add(new Goal(wl, tput, worstTput >= 0.95 ? Verdict.PASS : Verdict.FAIL,
                           String.format(Locale.ROOT, "worst %.3fx; %ssluice-default/least-queue %s", worstTput,
                                         where, tputFigures)));
        goals.add(new Goal(wl, ttft, worstTtft <= 1.05 ? Verdict.PASS : Verdict.FAIL,
                           String.format(Locale.ROOT, "worst %.3fx; %s%s", worstTtft, where, ttftFigures)));
    }

    private static void multiTurn(WorkloadResults w, List<Goal> goals) {
        final Optional<Double> load = comparisonLoad(w);
        goals.add(ratio(w.workload(), "TTFT p90 <= 0.5x round-robin's", load.flatMap(l -> w.run(SLUICE, l)),
                        load.flatMap(l -> w.run(RR, l)), RunResult::ttftP90, 0.5, true,
                        load.map(l -> at(w, l)).orElse(""), "s"));
    }

    private static void multiLora(WorkloadResults w, List<Goal> goals) {
        final String name = "mean queue time <= round-robin's (+10 ms) at every load";
        if (!w.policies().contains(SLUICE) || !w.policies().contains(RR)) {
            goals.add(notMeasured(w.workload(), name, SLUICE + ", " + RR));
            return;
        }
        boolean pass = true;
        final StringBuilder figures = new StringBuilder();
        for (double load : w.loads()) {
            final Optional<RunResult> s = w.run(SLUICE, load);
            final Optional<RunResult> rr = w.run(RR, load);
            if (s.isEmpty() || rr.isEmpty() || Double.isNaN(s.get().meanQueueTime()) ||
                Double.isNaN(rr.get().meanQueueTime())) {
                continue;
            }
            // Ten milliseconds of slack: at light load both wait a few milliseconds, which is not adapter thrash.
            pass &= s.get().meanQueueTime() <= rr.get().meanQueueTime() + QUEUE_SLACK_SECONDS;
            if (!figures.isEmpty()) {
                figures.append("; ");
            }
            figures.append(String.format(Locale.ROOT, "%s req/s: %s vs %s s", TextReport.load(load),
                                         fmt(s.get().meanQueueTime()), fmt(rr.get().meanQueueTime())));
        }
        if (figures.isEmpty()) {
            goals.add(notMeasured(w.workload(), name, "queue times (not measured live)"));
            return;
        }
        goals.add(new Goal(w.workload(), name, pass ? Verdict.PASS : Verdict.FAIL,
                           "sluice-default vs round-robin, " + figures));
    }

    /**
     * Checks that live runs order the policies as the discrete-event runs at the same load do: for every pair of
     * policies measured in both whose DES TTFT p90 differ by more than {@value #CLEAR_DIFFERENCE}×, the live TTFT p90
     * must differ the same way. Closer pairs count as ties and are not checked: two prefix-blind policies past their
     * knee, for example, differ by whatever their queues happened to grow to.
     */
    static Goal rankingAgreement(WorkloadResults live, WorkloadResults des) {
        final String name = "live confirms the DES ranking (TTFT p90)";
        final List<String> both = new ArrayList<>();
        for (String p : live.policies()) {
            if (des.policies().contains(p)) {
                both.add(p);
            }
        }
        int checked = 0;
        final List<String> disagreements = new ArrayList<>();
        final StringBuilder figures = new StringBuilder();
        for (double load : live.loads()) {
            for (int i = 0; i < both.size(); i++) {
                for (int j = i + 1; j < both.size(); j++) {
                    final Optional<RunResult> la = live.run(both.get(i), load);
                    final Optional<RunResult> lb = live.run(both.get(j), load);
                    final Optional<RunResult> da = des.run(both.get(i), load);
                    final Optional<RunResult> db = des.run(both.get(j), load);
                    if (la.isEmpty() || lb.isEmpty() || da.isEmpty() || db.isEmpty()) {
                        continue;
                    }
                    final double d = da.get().ttftP90() / db.get().ttftP90();
                    if (d < CLEAR_DIFFERENCE && d > 1 / CLEAR_DIFFERENCE) {
                        continue;
                    }
                    checked++;
                    final double l = la.get().ttftP90() / lb.get().ttftP90();
                    if ((d > 1) != (l > 1)) {
                        disagreements.add(both.get(i) + " vs " + both.get(j) + " at " + TextReport.load(load) +
                                          String.format(Locale.ROOT, " (DES %.2fx, live %.2fx)", d, l));
                    }
                }
            }
        }
        for (String p : both) {
            for (double load : live.loads()) {
                final Optional<RunResult> l = live.run(p, load);
                final Optional<RunResult> d = des.run(p, load);
                if (l.isPresent() && d.isPresent()) {
                    if (!figures.isEmpty()) {
                        figures.append("; ");
                    }
                    figures.append(String.format(Locale.ROOT, "%s %s req/s: live %s s, DES %s s", p,
                                                 TextReport.load(load), fmt(l.get().ttftP90()),
                                                 fmt(d.get().ttftP90())));
                }
            }
        }
        if (checked == 0) {
            return new Goal(live.workload(), name, Verdict.NOT_MEASURED,
                            "needs two policies measured live that DES tells apart" +
                            (figures.isEmpty() ? "" : "; " + figures));
        }
        return new Goal(live.workload(), name, disagreements.isEmpty() ? Verdict.PASS : Verdict.FAIL,
                        checked + " pairs checked" +
                        (disagreements.isEmpty() ? "" : ", disagree: " + String.join(", ", disagreements)) + "; " +
                        figures);
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

package dev.sluice.bench.routing;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.sluice.bench.proxy.TextTable;

/** Renders sweep results as plain-text tables, one per workload, and the goals. */
final class TextReport {

    private TextReport() {}

    static String render(List<WorkloadResults> results, List<Goal> goals) {
        final StringBuilder out = new StringBuilder();
        for (WorkloadResults w : results) {
            out.append(table(w)).append(System.lineSeparator());
        }
        out.append(goals(goals));
        return out.toString();
    }

    static String table(WorkloadResults w) {
        final boolean closed = Goals.isClosedLoop(w);
        final TextTable t = new TextTable(closed ? "concurrency" : "load req/s", "policy", "TTFT p50 s", "p90 s", "p99 s", "TPOT p90 ms",
                                          "out tok/s", "req/s", "hit %", "queue", "wait s", "preempt");
        for (double load : w.loads()) {
            for (String policy : w.policies()) {
                final Optional<RunResult> run = w.run(policy, load);
                if (run.isEmpty()) {
                    continue;
                }
                final RunResult r = run.get();
                t.row(load(load), policy, Goals.fmt(r.ttftP50()), Goals.fmt(r.ttftP90()), Goals.fmt(r.ttftP99()),
                      Goals.fmt(1000 * r.tpotP90()), String.format(Locale.ROOT, "%.0f", r.outputTokensPerSecond()),
                      String.format(Locale.ROOT, "%.2f", r.requestsPerSecond()),
                      Double.isNaN(r.prefixHitRate()) ? "-"
                                                      : String.format(Locale.ROOT, "%.1f", 100 * r.prefixHitRate()),
                      Goals.fmt(r.meanWaiting()), Goals.fmt(r.meanQueueTime()), Long.toString(r.preemptions()));
            }
        }
        final StringBuilder out = new StringBuilder();
        out.append("== ").append(w.workload()).append(": ").append(w.shape()).append(System.lineSeparator());
        final Double knee = w.policies().contains(Goals.RR) ? w.knee(Goals.RR) : null;
        if (w.policies().contains(Goals.RR)) {
            out.append("round-robin's knee (TTFT p90 > ").append(Goals.fmt(w.kneeTtftSeconds())).append(" s): ")
               .append(knee == null ? "not reached" : closed ? "concurrency " + load(knee) : load(knee) + " req/s")
               .append(System.lineSeparator());
        }
        out.append(t.render());
        return out.toString();
    }

    static String goals(List<Goal> goals) {
        final StringBuilder out = new StringBuilder("== goals").append(System.lineSeparator());
        if (goals.isEmpty()) {
            out.append("(none for these workloads)").append(System.lineSeparator());
        }
        int width = 13;
        for (Goal g : goals) {
            width = Math.max(width, g.workload().length());
        }
        for (Goal g : goals) {
            out.append(String.format(Locale.ROOT, "%-12s %-" + width + "s %-47s %s%n", g.verdict(), g.workload(),
                                     g.name(), g.figures()));
        }
        return out.toString();
    }

    /** Formats a load without a needless ".0". */
    static String load(double load) {
        return load == Math.rint(load) ? Long.toString((long) load) : Goals.fmt(load);
    }
}

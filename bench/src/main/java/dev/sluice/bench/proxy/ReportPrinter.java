package dev.sluice.bench.proxy;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints a {@link Report} as the human-readable summary: context, two tables, problems, goals, reproduction. */
public final class ReportPrinter {

    private ReportPrinter() {
    }

    public static void print(Report report, PrintStream out) {
        Settings s = report.settings();
        MachineContext m = report.machine();
        out.println();
        out.println("== Proxy overhead: wrk -> {direct | nginx | haproxy | sluice} -> fixed nginx backend ==");
        out.printf(Locale.ROOT, "machine: nproc=%d, %s, %s, load %s at start, CLK_TCK=%d%n", m.nproc(), m.cpuModel(),
                m.kernel(), m.loadAverage(), m.clockTicksPerSecond());
        out.printf("tools: %s | %s | %s | java %s%n", m.toolVersions().get("wrk"), m.toolVersions().get("nginx"),
                m.toolVersions().get("haproxy"), m.java());
        out.printf("rounds: %d interleaved, %d s per run, %d s Sluice warm-up; figures are medians over rounds "
                + "[min..max]; runs with errors are left out and listed below%n", s.rounds(), s.durationSeconds(),
                s.warmupSeconds());
        report.notes().forEach(n -> out.println("NOTE: " + n));

        out.println();
        out.printf("Throughput (wrk -t%d -c%d) and proxy CPU%n", s.threads(), s.connections());
        out.print(throughputTable(report.summaries()));
        out.println();
        out.println("Latency at concurrency 1 (wrk -t1 -c1), microseconds; 'added' is minus direct in the same round");
        out.print(latencyTable(report.summaries()));

        List<Measurement> failed = report.measurements().stream().filter(x -> !x.clean()).toList();
        if (!failed.isEmpty()) {
            out.println();
            out.println("FLAGGED RUNS (not counted):");
            failed.forEach(x -> out.printf("  round %d %s %s: %s%n", x.round(), x.arm(),
                    x.phase().name().toLowerCase(Locale.ROOT), String.join("; ", x.wrk().problems())));
        }

        out.println();
        out.println("Goals (Sluice with routing on):");
        for (Goal goal : report.goals()) {
            out.printf("  %-12s %-40s %s%n", goal.verdict(), goal.description(), goal.measured());
        }

        out.println();
        out.println("Reproduce:");
        out.println("  ./sluice bench proxy " + String.join(" ", s.arguments()));
        report.armCommands().forEach((arm, command) -> out.printf("  %-8s port %d: %s%n", arm,
                report.armPorts().get(arm), String.join(" ", command)));
        out.println("  throughput: " + String.join(" ", report.throughputCommand()));
        out.println("  latency:    " + String.join(" ", report.latencyCommand()));
        out.println("  configs and logs were in " + report.tempDir()
                + (s.keepTemp() ? " (kept)" : " (removed; keep them with --keep-temp)"));
    }

    static String throughputTable(List<ArmSummary> summaries) {
        TextTable table = new TextTable("arm", "req/s", "[min..max]", "x direct", "[min..max]", "x haproxy",
                "[min..max]", "CPU us/req", "[min..max]", "clean runs");
        for (ArmSummary a : summaries) {
            table.row(a.arm(), median(a.requestsPerSecond(), "%.0f"), range(a.requestsPerSecond(), "%.0f"),
                    median(a.vsDirect(), "%.3f"), range(a.vsDirect(), "%.3f"),
                    median(a.vsHaproxy(), "%.3f"), range(a.vsHaproxy(), "%.3f"),
                    median(a.cpuMicrosPerRequest(), "%.1f"), range(a.cpuMicrosPerRequest(), "%.1f"),
                    a.cleanThroughputRuns() + "/" + a.throughputRuns());
        }
        return table.render();
    }

    static String latencyTable(List<ArmSummary> summaries) {
        TextTable table = new TextTable("arm", "p50", "[min..max]", "p99", "[min..max]", "added p50", "[min..max]",
                "added p99", "[min..max]", "clean runs");
        for (ArmSummary a : summaries) {
            table.row(a.arm(), median(a.p50Micros(), "%.0f"), range(a.p50Micros(), "%.0f"),
                    median(a.p99Micros(), "%.0f"), range(a.p99Micros(), "%.0f"),
                    median(a.addedP50Micros(), "%+.0f"), range(a.addedP50Micros(), "%+.0f"),
                    median(a.addedP99Micros(), "%+.0f"), range(a.addedP99Micros(), "%+.0f"),
                    a.cleanLatencyRuns() + "/" + a.latencyRuns());
        }
        return table.render();
    }

    private static String median(Stats stats, String format) {
        return stats.isEmpty() ? "-" : String.format(Locale.ROOT, format, stats.median());
    }

    private static String range(Stats stats, String format) {
        return stats.isEmpty() ? "" : String.format(Locale.ROOT, "[" + format + ".." + format + "]", stats.min(),
                stats.max());
    }
}

package dev.sluice.bench.proxy;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** One of the targets for Sluice, with the measured figure and whether it was met. */
public record Goal(String description, String measured, Verdict verdict) {

    public static final double MIN_THROUGHPUT_VS_HAPROXY = 0.9;
    public static final double MAX_ADDED_P50_MICROS = 100;
    public static final double MAX_CPU_MICROS_PER_REQUEST = 25;

    /** PASS or FAIL, or NOT_MEASURED when Sluice did not run at all. */
    public enum Verdict { PASS, FAIL, NOT_MEASURED }

    /** Judges Sluice's summary against the three goals; {@code whyMissing} explains an absent Sluice. */
    public static List<Goal> evaluate(Optional<ArmSummary> sluice, String whyMissing) {
        String throughput = "Sluice throughput >= %.2fx HAProxy's".formatted(MIN_THROUGHPUT_VS_HAPROXY);
        String latency = "Sluice added p50 at c=1 <= %.0f us".formatted(MAX_ADDED_P50_MICROS);
        String cpu = "Sluice CPU <= %.0f us/request".formatted(MAX_CPU_MICROS_PER_REQUEST);
        if (sluice.isEmpty()) {
            return List.of(notMeasured(throughput, whyMissing), notMeasured(latency, whyMissing),
                    notMeasured(cpu, whyMissing));
        }
        ArmSummary s = sluice.get();
        return List.of(
                atLeast(throughput, s.vsHaproxy(), MIN_THROUGHPUT_VS_HAPROXY, "%.2f", "x"),
                atMost(latency, s.addedP50Micros(), MAX_ADDED_P50_MICROS, "%.0f", " us"),
                atMost(cpu, s.cpuMicrosPerRequest(), MAX_CPU_MICROS_PER_REQUEST, "%.1f", " us/request"));
    }

    private static Goal notMeasured(String description, String why) {
        return new Goal(description, why, Verdict.NOT_MEASURED);
    }

    private static Goal atLeast(String description, Stats stats, double threshold, String format, String unit) {
        return judge(description, stats, format, unit, stats.median() >= threshold);
    }

    private static Goal atMost(String description, Stats stats, double threshold, String format, String unit) {
        return judge(description, stats, format, unit, stats.median() <= threshold);
    }

    private static Goal judge(String description, Stats stats, String format, String unit, boolean met) {
        if (stats.isEmpty()) {
            // Sluice ran but no round was clean (errors or non-2xx): that is a failure, not a gap.
            return new Goal(description, "no clean runs", Verdict.FAIL);
        }
        String measured = String.format(Locale.ROOT, "median " + format + unit + " over %d round(s), range " + format
                + ".." + format, stats.median(), stats.count(), stats.min(), stats.max());
        return new Goal(description, measured, met ? Verdict.PASS : Verdict.FAIL);
    }
}

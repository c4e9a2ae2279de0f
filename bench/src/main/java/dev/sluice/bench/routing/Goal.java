package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

/**
 * One goal of the routing benchmark and how this run did against it.
 *
 * @param workload the workload it is about
 * @param name what is checked, with its threshold
 * @param verdict the outcome
 * @param figures the measured figures behind the verdict
 */
public record Goal(String workload, String name, Verdict verdict, String figures) {

    /** The outcome of a goal. */
    public enum Verdict { PASS, FAIL, NOT_MEASURED }

    public Goal {
        requireNonNull(workload, "workload");
        requireNonNull(name, "name");
        requireNonNull(verdict, "verdict");
        requireNonNull(figures, "figures");
    }
}

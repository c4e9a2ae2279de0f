package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import org.jspecify.annotations.Nullable;

/**
 * Every run of one workload: policies × offered loads.
 *
 * @param workload the workload's name
 * @param shape the workload's shape, for the report
 * @param runs the runs, in the order they ran
 * @param kneeTtftSeconds the TTFT p90 that defines the knee
 */
public record WorkloadResults(String workload, String shape, List<RunResult> runs, double kneeTtftSeconds) {

    public WorkloadResults {
        requireNonNull(workload, "workload");
        requireNonNull(shape, "shape");
        runs = List.copyOf(runs);
    }

    /** Returns the offered loads, ascending. */
    public List<Double> loads() {
        final TreeSet<Double> loads = new TreeSet<>();
        runs.forEach(r -> loads.add(r.load()));
        return List.copyOf(loads);
    }

    /** Returns the policies, in the order they first ran. */
    public List<String> policies() {
        final List<String> names = new ArrayList<>();
        for (RunResult r : runs) {
            if (!names.contains(r.policy())) {
                names.add(r.policy());
            }
        }
        return names;
    }

    /** Returns the run of {@code policy} at {@code load}, if any. */
    public Optional<RunResult> run(String policy, double load) {
        return runs.stream().filter(r -> r.policy().equals(policy) && r.load() == load).findFirst();
    }

    /**
     * Returns the knee of {@code policy}: the lowest load at which its TTFT p90 passes {@link #kneeTtftSeconds()},
     * or {@code null} if it never does.
     */
    public @Nullable Double knee(String policy) {
        for (double load : loads()) {
            final Optional<RunResult> r = run(policy, load);
            if (r.isPresent() && r.get().ttftP90() > kneeTtftSeconds) {
                return load;
            }
        }
        return null;
    }
}

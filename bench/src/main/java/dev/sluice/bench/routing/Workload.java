package dev.sluice.bench.routing;

import java.util.List;

/**
 * A request mix to route: prompts, output lengths, LoRA adapters and how requests depend on each other, planned for
 * a number of requests arriving as a Poisson process at an offered load.
 *
 * <p>Plans are deterministic: the prompts depend only on the seed (so every load level and policy sees the same
 * prompts), the arrival times on the seed and the load (so every policy at one load sees the same arrivals).
 */
public interface Workload {

    /** Returns the name used on the command line, such as {@code shared-prefix}. */
    String name();

    /** Returns the workload's shape in one line, with its numbers. */
    String shape();

    /** Returns {@code requests} requests arriving at {@code qps} on average. */
    List<PlannedRequest> plan(int requests, double qps, long seed);

    /** Returns the LoRA adapters the engines serve; empty for a base-model workload. */
    default List<String> loraAdapters() {
        return List.of();
    }

    /** Returns the engines' {@code max_loras}, meaningful only when {@link #loraAdapters()} is not empty. */
    default int maxLoras() {
        return 1;
    }

    /** Returns this workload with every request generating {@code outputTokens} tokens. */
    Workload withOutputTokens(int outputTokens);

    /** Returns the first offered load of an automatic sweep, in requests per second. */
    double firstLoad();

    /** Returns the step between the offered loads of an automatic sweep, in requests per second. */
    double loadStep();

    /**
     * Returns whether an automatic sweep goes on to twice round-robin's knee, for goals that compare capacities
     * (see {@link Goals}). Default: no, two levels past the knee are enough.
     */
    default boolean sweepToTwiceKnee() {
        return false;
    }
}

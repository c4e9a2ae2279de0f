package dev.sluice.bench.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random prompts sharing nothing: vLLM's "random" dataset with 1,000 input and 200 output tokens, the regression
 * check of reference/performance.md §5(b) workload 2 (llm-d saw no benefit from prefix routing when sharing is low,
 * so prefix awareness must not cost anything here).
 *
 * @param inputTokens the prompt length
 * @param outputTokens the output length
 */
public record LowSharingWorkload(int inputTokens, int outputTokens) implements Workload {

    /** The workload's name. */
    public static final String NAME = "low-sharing";

    /** 1,000 input and 200 output tokens. */
    public static final LowSharingWorkload DEFAULT = new LowSharingWorkload(1000, 200);

    public LowSharingWorkload {
        if (inputTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("low-sharing: every size must be >= 1");
        }
    }

    /** Returns this shape with every token length times {@code factor} (at least one token each). */
    public LowSharingWorkload scaled(double factor) {
        return new LowSharingWorkload(Workloads.scale(inputTokens, factor), Workloads.scale(outputTokens, factor));
    }

    @Override
    public LowSharingWorkload withOutputTokens(int outputTokens) {
        return new LowSharingWorkload(inputTokens, outputTokens);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String shape() {
        return "unique random prompts of " + inputTokens + " tokens, " + outputTokens + " output tokens";
    }

    @Override
    public List<PlannedRequest> plan(int requests, double qps, long seed) {
        final SplittableRandom content = Arrivals.contentRandom(seed, NAME);
        final long[] arrivals = Arrivals.poisson(requests, qps, Arrivals.arrivalRandom(seed, NAME, qps));
        final List<PlannedRequest> plan = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            plan.add(new PlannedRequest(i, "ls-" + i, arrivals[i], List.of(Segment.random(inputTokens, content)), null,
                                        outputTokens, null));
        }
        return plan;
    }

    @Override
    public double firstLoad() {
        return 20;
    }

    @Override
    public double loadStep() {
        return 20;
    }
}

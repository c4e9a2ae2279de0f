package dev.sluice.bench.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Many groups of users sharing long system prompts: inference-perf's {@code shared_prefix} data, as GIE's
 * "high-cache" scenario and llm-d's "b2b-saas" benchmark use it (150 groups × 5 prompts, a 6,000-token system prompt,
 * 1,200-token questions, 1,000 output tokens; reference/performance.md §2 and §5(b)).
 *
 * <p>As inference-perf does, the {@code groups × promptsPerGroup} prompts (system prompt + question) are generated
 * once, shuffled, and sent in that order, cycling: request {@code i} sends prompt {@code i mod (groups ×
 * promptsPerGroup)}. The first pass can hit only the system prompts; later passes repeat whole prompts. The
 * distinct prompt tokens are {@code groups × system + groups × promptsPerGroup × question} (1.8 M at the defaults,
 * 73% of eight 307,328-token pods, as llm-d states). When the number of prompts is a multiple of the pods,
 * round-robin sends each prompt to the same pod on every cycle and looks prefix-aware; 750 prompts on 8 pods do not
 * line up.
 *
 * @param groups the number of distinct system prompts
 * @param promptsPerGroup the distinct questions per system prompt
 * @param systemTokens the system prompt length
 * @param questionTokens the question length
 * @param outputTokens the output length
 */
public record SharedPrefixWorkload(int groups, int promptsPerGroup, int systemTokens, int questionTokens,
                                   int outputTokens) implements Workload {

    /** The workload's name. */
    public static final String NAME = "shared-prefix";

    /** llm-d's b2b-saas shape. */
    public static final SharedPrefixWorkload DEFAULT = new SharedPrefixWorkload(150, 5, 6000, 1200, 1000);

    public SharedPrefixWorkload {
        if (groups < 1 || promptsPerGroup < 1 || systemTokens < 1 || questionTokens < 1 || outputTokens < 1) {
            throw new IllegalArgumentException("shared-prefix: every size must be >= 1");
        }
    }

    /** Returns this shape with every token length times {@code factor} (at least one token each). */
    public SharedPrefixWorkload scaled(double factor) {
        return new SharedPrefixWorkload(groups, promptsPerGroup, Workloads.scale(systemTokens, factor),
                                        Workloads.scale(questionTokens, factor), Workloads.scale(outputTokens, factor));
    }

    @Override
    public SharedPrefixWorkload withOutputTokens(int outputTokens) {
        return new SharedPrefixWorkload(groups, promptsPerGroup, systemTokens, questionTokens, outputTokens);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String shape() {
        return groups + " groups × " + promptsPerGroup + " prompts: " + systemTokens + "-token system prompt + " +
               questionTokens + "-token question, " + outputTokens +
               " output tokens; prompts cycle in a shuffled order";
    }

    @Override
    public List<PlannedRequest> plan(int requests, double qps, long seed) {
        final SplittableRandom content = Arrivals.contentRandom(seed, NAME);
        final List<List<Segment>> prompts = new ArrayList<>(groups * promptsPerGroup);
        for (int g = 0; g < groups; g++) {
            final Segment system = Segment.random(systemTokens, content);
            for (int p = 0; p < promptsPerGroup; p++) {
                prompts.add(List.of(system, Segment.random(questionTokens, content)));
            }
        }
        Workloads.shuffle(prompts, content);
        final long[] arrivals = Arrivals.poisson(requests, qps, Arrivals.arrivalRandom(seed, NAME, qps));
        final List<PlannedRequest> plan = new ArrayList<>(requests);
        for (int i = 0; i < requests; i++) {
            plan.add(new PlannedRequest(i, "sp-" + i, arrivals[i], prompts.get(i % prompts.size()), null,
                                        outputTokens, null));
        }
        return plan;
    }

    @Override
    public double firstLoad() {
        return 2;
    }

    @Override
    public double loadStep() {
        return 2;
    }

    @Override
    public boolean sweepToTwiceKnee() {
        return true;
    }
}

package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A few very popular shared prefixes: the shared-prefix shape with 2 groups of 100 prompts by default, so each group
 * carries half the traffic, more than one pod serves at moderate load. Prefix affinity that never yields piles a
 * group onto the one pod that cached it (the hot-spotting llm-d measured for prefix-only scoring); this checks that a
 * policy spills a hot prefix over. Not in the workload list, so not run by default.
 *
 * @param prefixes the shared-prefix shape, with few groups
 */
public record HotPrefixWorkload(SharedPrefixWorkload prefixes) implements Workload {

    /** The workload's name. */
    public static final String NAME = "hot-prefix";

    /** Two 6,000-token prefixes, each half the traffic; 1,200-token questions, 1,000 output tokens. */
    public static final HotPrefixWorkload DEFAULT = new HotPrefixWorkload(new SharedPrefixWorkload(2, 100, 6000, 1200,
                                                                                                   1000));

    public HotPrefixWorkload {
        requireNonNull(prefixes, "prefixes");
    }

    /** Returns this shape with every token length times {@code factor}. */
    public HotPrefixWorkload scaled(double factor) {
        return new HotPrefixWorkload(prefixes.scaled(factor));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String shape() {
        return prefixes.shape();
    }

    @Override
    public List<PlannedRequest> plan(int requests, double qps, long seed) {
        return prefixes.plan(requests, qps, seed);
    }

    @Override
    public HotPrefixWorkload withOutputTokens(int outputTokens) {
        return new HotPrefixWorkload(prefixes.withOutputTokens(outputTokens));
    }

    @Override
    public double firstLoad() {
        return 4;
    }

    @Override
    public double loadStep() {
        return 4;
    }
}

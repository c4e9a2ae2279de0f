package dev.sluice.picker.scheduler;

/**
 * Keeps only the endpoints predicted to hold at least {@code threshold} of the prompt's blocks, when there are any:
 * GIE's {@code prefix-cache-affinity-filter}. Prompts shorter than one block keep everyone.
 */
public final class PrefixAffinityFilter implements Filter {

    private final double threshold;

    /** Creates a filter keeping endpoints that hold at least {@code threshold} (0..1) of the prompt's blocks. */
    public PrefixAffinityFilter(double threshold) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold: " + threshold + " (expected: > 0 and <= 1)");
        }
        this.threshold = threshold;
    }

    @Override
    public String name() {
        return "prefix-cache-affinity-filter";
    }

    @Override
    public boolean keep(SchedulingContext context, Candidate candidate) {
        final int total = context.blocks().count();
        return total == 0 || (double) candidate.matchedBlocks() / total >= threshold;
    }

    @Override
    public boolean usesPrefix() {
        return true;
    }

    @Override
    public String toString() {
        return name() + "(threshold=" + threshold + ')';
    }
}

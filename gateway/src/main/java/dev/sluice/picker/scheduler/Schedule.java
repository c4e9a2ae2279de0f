package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.metrics.EndpointLoad;
import dev.sluice.picker.metrics.ModelServerMetrics;

/**
 * One scheduling decision: the endpoints to try, best first, and what is needed to record where the request went.
 *
 * <p>Call {@link #sentTo(Endpoint)} for each endpoint the request is actually sent to (the first, and any fallback
 * the proxy retries on), so the prefix index predicts that endpoint now caches the prompt.
 */
public final class Schedule {

    static final Schedule EMPTY = new Schedule(List.of(), new int[0], new EndpointLoad[0], PrefixBlocks.NONE, null);

    private final List<Endpoint> endpoints;
    private final int[] matched; // per endpoint, in the order of endpoints
    private final EndpointLoad[] loads; // likewise
    private final PrefixBlocks blocks;
    private final @Nullable PrefixIndex index;

    Schedule(List<Endpoint> endpoints, int[] matched, EndpointLoad[] loads, PrefixBlocks blocks,
             @Nullable PrefixIndex index) {
        this.endpoints = endpoints;
        this.matched = matched;
        this.loads = loads;
        this.blocks = blocks;
        this.index = index;
    }

    /** Returns the endpoints to try, best first; empty when there are none. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Returns the prompt's prefix blocks ({@link PrefixBlocks#NONE} when the profile does not use them). */
    public PrefixBlocks blocks() {
        return blocks;
    }

    /** Returns the leading prompt blocks {@code endpoint} was predicted to hold; 0 if it is not in the list. */
    public int matchedBlocks(Endpoint endpoint) {
        requireNonNull(endpoint, "endpoint");
        final int i = endpoints.indexOf(endpoint);
        return i < 0 ? 0 : matched[i];
    }

    /**
     * Returns the predicted prefix-cache hit ratio on the first endpoint, matched over total blocks, for GIE's
     * {@code inference_extension_prefix_indexer_hit_ratio}; 0 without blocks.
     */
    public double hitRatio() {
        return blocks.count() == 0 || endpoints.isEmpty() ? 0 : (double) matched[0] / blocks.count();
    }

    /**
     * Records that the request was sent to {@code endpoint}: its prompt's blocks are now predicted cached there,
     * within the endpoint's KV capacity ({@code kvCacheBlocks × blockSize} tokens when its engine reports them).
     */
    public void sentTo(Endpoint endpoint) {
        requireNonNull(endpoint, "endpoint");
        final PrefixIndex index = this.index;
        if (blocks.count() == 0 || index == null) {
            return;
        }
        final int i = endpoints.indexOf(endpoint);
        long capacityTokens = 0;
        if (i >= 0) {
            final ModelServerMetrics m = loads[i].metrics().metrics();
            capacityTokens = m.kvCacheBlocks() * (long) m.blockSize();
        }
        index.record(blocks, endpoint.authority(), capacityTokens);
    }

    @Override
    public String toString() {
        return "Schedule{" + endpoints + ", blocks=" + blocks.count() + '}';
    }
}

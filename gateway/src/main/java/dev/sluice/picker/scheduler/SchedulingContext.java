package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import dev.sluice.picker.PickRequest;

/**
 * What one scheduling decision knows about the request: the request itself, its prompt's prefix blocks, and
 * whether any candidate has fresh metrics.
 *
 * <p>When no candidate has fresh metrics (at startup, or when scraping fails everywhere) load-based scorers fall back
 * on the gateway's own in-flight counts, which are always exact for this replica, so routing still spreads load.
 *
 * @param request the request being scheduled
 * @param blocks the prompt's prefix blocks ({@link PrefixBlocks#NONE} when the profile does not use them)
 * @param anyFresh whether at least one candidate's metrics are fresh
 */
public record SchedulingContext(PickRequest request, PrefixBlocks blocks, boolean anyFresh) {

    public SchedulingContext {
        requireNonNull(request, "request");
        requireNonNull(blocks, "blocks");
    }
}

package dev.sluice.picker.scheduler;

import dev.sluice.picker.PickRequest;

/**
 * Hears each decision {@link Scheduler#pick} makes, for metrics such as GIE's
 * {@code inference_extension_prefix_indexer_hit_ratio}. Called on the request's thread; must be quick and must not
 * throw.
 */
@FunctionalInterface
public interface ScheduleListener {

    /** A listener that does nothing. */
    ScheduleListener NOOP = (request, schedule, blockTokens) -> {};

    /**
     * {@code request} was scheduled as {@code schedule}, whose prefix blocks stand for {@code blockTokens} tokens
     * each; the first endpoint is where it goes.
     */
    void scheduled(PickRequest request, Schedule schedule, int blockTokens);
}

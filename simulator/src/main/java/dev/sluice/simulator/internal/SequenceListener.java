package dev.sluice.simulator.internal;

/**
 * Hears what a {@link BatchingEngine} does with a sequence. Called on the engine's thread with the engine's
 * (virtual) time in nanoseconds; implementations must not call back into the engine.
 */
public interface SequenceListener {

    /** A listener that ignores everything. */
    SequenceListener NOOP = new SequenceListener() {};

    /**
     * The sequence left the waiting queue, at first or again after a preemption, with the given tokens found in
     * the prefix cache.
     */
    default void admitted(Sequence sequence, int cachedTokens, long nowNanos) {}

    /** The sequence produced output token {@code index} (0-based). */
    default void token(Sequence sequence, int index, long nowNanos) {}

    /** The sequence lost its KV blocks to make room and went back to the front of the waiting queue. */
    default void preempted(Sequence sequence, long nowNanos) {}

    /** The sequence ended: it generated all its tokens, or it was aborted ({@link Sequence#aborted()}). */
    default void finished(Sequence sequence, long nowNanos) {}
}

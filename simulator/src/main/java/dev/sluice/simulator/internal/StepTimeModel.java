package dev.sluice.simulator.internal;

/**
 * Decides how long one step of a {@link BatchingEngine} takes, given what the step computes, and how long a request
 * takes to reach the engine's queue.
 */
public interface StepTimeModel {

    /**
     * Returns the duration of the step just formed, in nanoseconds.
     */
    long stepNanos(BatchingEngine.Plan plan);

    /**
     * Returns the time from a request's arrival to the waiting queue, in nanoseconds.
     */
    default long overheadNanos(int promptTokens) {
        return 0;
    }
}

package dev.sluice.picker.scheduler;

/**
 * Removes candidates that should not serve a request. When a filter would remove every candidate, the scheduler
 * ignores it and keeps the candidates it was given: a degraded choice beats no choice, and the proxy's fallbacks
 * still apply.
 */
public interface Filter {

    /** Returns the filter's type name, as in configuration and metrics. */
    String name();

    /** Returns whether {@code candidate} stays. */
    boolean keep(SchedulingContext context, Candidate candidate);

    /** Returns whether the filter reads prefix matches, so the scheduler must hash the prompt. */
    default boolean usesPrefix() {
        return false;
    }
}

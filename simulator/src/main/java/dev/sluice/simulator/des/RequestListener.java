package dev.sluice.simulator.des;

import java.time.Duration;

/**
 * Hears requests progress through a {@link DiscreteEventSimulation}, in virtual time. Called on the thread running
 * the simulation; a listener may submit requests and schedule actions.
 */
public interface RequestListener {

    /** The routing policy sent the request to the engine, at its arrival. */
    default void routed(SimulatedRequest request, SimulatedEngine engine) {}

    /** The request's output token {@code index} (0-based) was sampled at the given time. */
    default void token(SimulatedRequest request, int index, Duration time) {}

    /** The request generated its last token. */
    default void finished(SimulatedRequest request, RequestRecord record) {}
}

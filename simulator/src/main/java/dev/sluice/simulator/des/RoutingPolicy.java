package dev.sluice.simulator.des;

import java.util.List;

/**
 * Chooses the engine of each request arriving in a {@link DiscreteEventSimulation}, from the engines' live state.
 *
 * <p>The state is read at the request's arrival with no delay; a policy that should see stale state, as a
 * gateway scraping metrics does, can take snapshots with {@link DiscreteEventSimulation#schedule} and route from
 * those.
 */
@FunctionalInterface
public interface RoutingPolicy {

    /**
     * Returns the engine that serves the given request; {@link DiscreteEventSimulation#now()} is its arrival.
     */
    SimulatedEngine choose(SimulatedRequest request, DiscreteEventSimulation simulation);

    /**
     * Returns a policy that sends requests to the engines in turn.
     */
    static RoutingPolicy roundRobin() {
        return new RoutingPolicy() {
            private int next;

            @Override
            public SimulatedEngine choose(SimulatedRequest request, DiscreteEventSimulation simulation) {
                final List<SimulatedEngine> engines = simulation.engines();
                return engines.get(Math.floorMod(next++, engines.size()));
            }
        };
    }

    /**
     * Returns a policy that picks an engine uniformly at random with the simulation's seeded generator.
     */
    static RoutingPolicy random() {
        return (request, simulation) -> {
            final List<SimulatedEngine> engines = simulation.engines();
            return engines.get(simulation.random().nextInt(engines.size()));
        };
    }
}

package dev.sluice.bench.routing;

import java.util.List;

import dev.sluice.simulator.des.DiscreteEventSimulation;
import dev.sluice.simulator.des.RoutingPolicy;
import dev.sluice.simulator.des.SimulatedEngine;
import dev.sluice.simulator.des.SimulatedRequest;

/**
 * Routes each request to the engine whose prefix cache truly holds the most of its prompt now (read from the
 * simulator at arrival, no staleness: llm-d's "precise" prefix routing taken to the limit), breaking ties by the
 * fewest outstanding requests (routed and not finished, as a router counts them), then by the lowest engine index.
 *
 * <p>It is an upper bound on cache hits, not on latency: it never trades a hit for a shorter queue, so a popular
 * prefix stays on one engine however long that engine's queue grows.
 */
final class OraclePolicy implements RoutingPolicy {

    @Override
    public SimulatedEngine choose(SimulatedRequest request, DiscreteEventSimulation simulation) {
        final List<SimulatedEngine> engines = simulation.engines();
        SimulatedEngine best = null;
        int bestCached = -1;
        int bestOutstanding = Integer.MAX_VALUE;
        for (SimulatedEngine e : engines) {
            final int cached = e.cachedPrefixTokens(request);
            final int outstanding = e.outstandingRequests();
            if (cached > bestCached || cached == bestCached && outstanding < bestOutstanding) {
                best = e;
                bestCached = cached;
                bestOutstanding = outstanding;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "oracle";
    }
}

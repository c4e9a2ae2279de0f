package dev.sluice.picker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Orders endpoints by the gateway's own in-flight count, fewest first, breaking ties at random; endpoints last seen
 * down go to the back rather than away, so a pool whose probes lag still gets tried.
 */
public final class LeastInFlightPicker implements EndpointPicker {

    private final RandomGenerator random;

    /** Creates a picker drawing tie-breaks from {@code random}. */
    public LeastInFlightPicker(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public List<Endpoint> pick(PickRequest request, List<Endpoint> endpoints) {
        final int n = endpoints.size();
        if (n <= 1) {
            return endpoints;
        }
        final List<Endpoint> order = new ArrayList<>(endpoints);
        // Shuffle first: the sort is stable, so equal counts keep a random order.
        for (int i = n - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final Endpoint t = order.get(i);
            order.set(i, order.get(j));
            order.set(j, t);
        }
        order.sort(Comparator.comparingInt((Endpoint e) -> e.isLive() ? 0 : 1).thenComparingInt(Endpoint::inFlight));
        return order;
    }
}

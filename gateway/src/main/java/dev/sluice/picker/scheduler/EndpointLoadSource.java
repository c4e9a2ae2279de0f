package dev.sluice.picker.scheduler;

import dev.sluice.picker.metrics.EndpointLoad;

/**
 * Reads an endpoint's load now, by {@code host:port}; in the gateway, {@code EndpointMetricsStore::load}.
 */
@FunctionalInterface
public interface EndpointLoadSource {

    /** Returns the load of the endpoint at {@code authority} at the moment of asking. */
    EndpointLoad load(String authority);
}

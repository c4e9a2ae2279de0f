package dev.sluice.picker;

import java.util.List;

/**
 * Chooses where a request goes among a pool's endpoints.
 *
 * <p>The result is an ordered fallback list: the proxy sends to the first and, when that one refuses the connection
 * or answers 503 before any byte, retries on the next.
 */
@FunctionalInterface
public interface EndpointPicker {

    /** Returns the endpoints to try, best first; empty when none can serve. */
    List<Endpoint> pick(PickRequest request, List<Endpoint> endpoints);
}

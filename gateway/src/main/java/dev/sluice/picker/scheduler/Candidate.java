package dev.sluice.picker.scheduler;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.metrics.EndpointLoad;

/**
 * One endpoint as the filters and scorers of one scheduling decision see it: its load, read once per decision, and
 * how many leading prefix blocks of the request it is predicted to hold.
 */
public final class Candidate {

    private final Endpoint endpoint;
    private final EndpointLoad load;
    private final int matchedBlocks;
    final int position; // in the scheduler's input list

    Candidate(Endpoint endpoint, EndpointLoad load, int matchedBlocks, int position) {
        this.endpoint = endpoint;
        this.load = load;
        this.matchedBlocks = matchedBlocks;
        this.position = position;
    }

    /** Creates a candidate, for tests and custom schedulers. */
    public static Candidate of(Endpoint endpoint, EndpointLoad load, int matchedBlocks) {
        return new Candidate(java.util.Objects.requireNonNull(endpoint, "endpoint"),
                             java.util.Objects.requireNonNull(load, "load"), matchedBlocks, 0);
    }

    /** Returns the endpoint. */
    public Endpoint endpoint() {
        return endpoint;
    }

    /** Returns the endpoint's load as read for this decision. */
    public EndpointLoad load() {
        return load;
    }

    /** Returns whether the endpoint's scraped metrics are fresh. */
    public boolean isFresh() {
        return load.isFresh();
    }

    /** Returns the leading blocks of the request's prompt the endpoint is predicted to hold. */
    public int matchedBlocks() {
        return matchedBlocks;
    }

    @Override
    public String toString() {
        return "Candidate{" + endpoint + ", " + load.metrics().state() + ", matched=" + matchedBlocks + '}';
    }
}

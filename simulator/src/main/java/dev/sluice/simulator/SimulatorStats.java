package dev.sluice.simulator;

import java.util.List;
import java.util.Map;

import dev.sluice.simulator.internal.RequestCounters;

/**
 * Reports what a {@link SimulatorServer} has seen, for tests: inference requests by outcome and the headers of
 * the latest ones.
 *
 * <p>Inference requests are those to {@code /v1/completions}, {@code /v1/chat/completions} and
 * {@code /v1/embeddings}. Each ends in exactly one of completed, cancelled or failed; until then it is in flight.
 */
public final class SimulatorStats {

    private final RequestCounters counters;

    SimulatorStats(RequestCounters counters) {
        this.counters = counters;
    }

    /**
     * Returns the number of inference requests received.
     */
    public long requestsReceived() {
        return counters.received();
    }

    /**
     * Returns the number of inference requests answered in full.
     */
    public long requestsCompleted() {
        return counters.completed();
    }

    /**
     * Returns the number of inference requests whose client went away before the response ended.
     *
     * <p>A stream notices at its next token. Over HTTP/1, a response with nothing to write at the time (queued,
     * or not streamed) notices about a second after the connection closed: Armeria waits that long before
     * aborting the responses of a closed HTTP/1 connection. Await the count rather than read it at once.
     */
    public long requestsCancelled() {
        return counters.cancelled();
    }

    /**
     * Returns the number of inference requests answered with an error status, cut by a fault or ended by
     * {@link SimulatorServer#close()}.
     */
    public long requestsFailed() {
        return counters.failed();
    }

    /**
     * Returns the number of inference requests received but not yet ended.
     */
    public long inFlight() {
        // Read the outcomes first: a request that ends between the reads then looks in flight, never negative.
        final long ended = counters.completed() + counters.cancelled() + counters.failed();
        return Math.max(0, counters.received() - ended);
    }

    /**
     * Returns the headers of the latest 256 inference requests, oldest first, with lower-case names (including
     * the pseudo-headers {@code :method} and {@code :path}) and repeated values joined by commas.
     */
    public List<Map<String, String>> lastRequestHeaders() {
        return counters.lastHeaders();
    }

    @Override
    public String toString() {
        return "SimulatorStats{received=" + requestsReceived() + ", completed=" + requestsCompleted() +
               ", cancelled=" + requestsCancelled() + ", failed=" + requestsFailed() + '}';
    }
}

package dev.sluice.simulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Holds the live fault switches of a {@link SimulatorServer}; all are off until set.
 *
 * <p>Setters take effect for requests that arrive afterwards, except {@link #refuseConnections(boolean)}, which
 * acts at once. All methods are thread-safe.
 */
public final class Faults {

    private final Consumer<Boolean> listeningSwitch;

    private volatile double errorRate;
    private volatile int errorStatus = 500;
    private volatile int dieMidStreamAfterChunks = -1;
    private volatile Duration extraLatency = Duration.ZERO;
    private boolean refuseConnections; // guarded by this, so that switches apply in order

    Faults(Consumer<Boolean> listeningSwitch) {
        this.listeningSwitch = listeningSwitch;
    }

    /**
     * Makes the given fraction of inference requests, from {@code 0} to {@code 1}, fail with
     * {@link #errorStatus()} and an OpenAI error body.
     */
    public Faults errorRate(double errorRate) {
        if (!(errorRate >= 0 && errorRate <= 1)) {
            throw new IllegalArgumentException("errorRate: " + errorRate + " (expected: 0..1)");
        }
        this.errorRate = errorRate;
        return this;
    }

    /**
     * Returns the fraction of inference requests that fail on purpose.
     */
    public double errorRate() {
        return errorRate;
    }

    /**
     * Sets the HTTP status of the errors {@link #errorRate(double)} injects. Default: 500.
     */
    public Faults errorStatus(int errorStatus) {
        if (errorStatus < 400 || errorStatus > 599) {
            throw new IllegalArgumentException("errorStatus: " + errorStatus + " (expected: 400..599)");
        }
        this.errorStatus = errorStatus;
        return this;
    }

    /**
     * Returns the HTTP status of injected errors.
     */
    public int errorStatus() {
        return errorStatus;
    }

    /**
     * Makes completions break off after the given number of content chunks by aborting the connection, with no
     * final {@code [DONE]}; a non-streaming response is cut in the middle of its body instead. {@code -1} turns
     * this off.
     */
    public Faults dieMidStreamAfterChunks(int chunks) {
        if (chunks < -1) {
            throw new IllegalArgumentException("dieMidStreamAfterChunks: " + chunks + " (expected: >= -1)");
        }
        dieMidStreamAfterChunks = chunks;
        return this;
    }

    /**
     * Returns after how many content chunks completions break off, or {@code -1} if they do not.
     */
    public int dieMidStreamAfterChunks() {
        return dieMidStreamAfterChunks;
    }

    /**
     * Closes the listening port (and every open connection, as a crashed process would) when {@code true}, so
     * that clients get "connection refused"; listens again on the same port when {@code false}.
     * Returns once the port is closed or listening. Do not call this from an event loop.
     */
    public Faults refuseConnections(boolean refuse) {
        synchronized (this) {
            if (refuseConnections != refuse) {
                listeningSwitch.accept(refuse);
                refuseConnections = refuse;
            }
        }
        return this;
    }

    /**
     * Returns whether the server refuses connections.
     */
    public synchronized boolean refuseConnections() {
        return refuseConnections;
    }

    /**
     * Delays every inference response by the given duration before its first byte.
     */
    public Faults extraLatency(Duration extraLatency) {
        requireNonNull(extraLatency, "extraLatency");
        if (extraLatency.isNegative()) {
            throw new IllegalArgumentException("extraLatency: " + extraLatency + " (expected: >= 0)");
        }
        this.extraLatency = extraLatency;
        return this;
    }

    /**
     * Returns the delay added before the first byte of every inference response.
     */
    public Duration extraLatency() {
        return extraLatency;
    }

    /**
     * Turns every fault off, listening again if connections were refused.
     */
    public Faults reset() {
        errorRate = 0;
        errorStatus = 500;
        dieMidStreamAfterChunks = -1;
        extraLatency = Duration.ZERO;
        return refuseConnections(false);
    }

    @Override
    public String toString() {
        return "Faults{errorRate=" + errorRate + ", errorStatus=" + errorStatus +
               ", dieMidStreamAfterChunks=" + dieMidStreamAfterChunks + ", refuseConnections=" +
               refuseConnections() + ", extraLatency=" + extraLatency + '}';
    }
}

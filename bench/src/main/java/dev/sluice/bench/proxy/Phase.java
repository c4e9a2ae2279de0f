package dev.sluice.bench.proxy;

/** The two kinds of wrk run in every round. */
public enum Phase {
    /** Many connections, for requests per second and CPU per request. */
    THROUGHPUT,
    /** One connection, for latency percentiles without queueing. */
    LATENCY
}

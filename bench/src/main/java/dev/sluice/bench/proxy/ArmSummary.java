package dev.sluice.bench.proxy;

/**
 * The per-arm result across rounds: each figure is summarised over the rounds whose runs were clean.
 *
 * <p>Ratios and added latencies are computed within each round first (arm against direct or HAProxy in that same
 * round), then summarised, so slow drift of the shared machine cancels out.
 */
public record ArmSummary(
        String arm,
        Stats requestsPerSecond,
        Stats vsDirect,
        Stats vsHaproxy,
        Stats p50Micros,
        Stats p99Micros,
        Stats addedP50Micros,
        Stats addedP99Micros,
        Stats cpuMicrosPerRequest,
        int throughputRuns,
        int cleanThroughputRuns,
        int latencyRuns,
        int cleanLatencyRuns) {
}

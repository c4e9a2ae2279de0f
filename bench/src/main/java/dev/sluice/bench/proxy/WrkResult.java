package dev.sluice.bench.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * What one wrk run reported: completed requests, throughput, the 50th/99th latency percentiles and every kind of error.
 *
 * <p>Latencies are in microseconds and {@code NaN} when wrk printed none; {@code exitCode} is wrk's own exit status.
 */
public record WrkResult(
        long requests,
        double durationSeconds,
        double requestsPerSecond,
        double p50Micros,
        double p99Micros,
        long non2xxResponses,
        SocketErrors socketErrors,
        int exitCode) {

    /** wrk's "Socket errors" line: connect, read, write and timeout counts. */
    public record SocketErrors(long connect, long read, long write, long timeout) {
        public static final SocketErrors NONE = new SocketErrors(0, 0, 0, 0);

        public long total() {
            return connect + read + write + timeout;
        }
    }

    public WrkResult withExitCode(int code) {
        return new WrkResult(requests, durationSeconds, requestsPerSecond, p50Micros, p99Micros, non2xxResponses,
                socketErrors, code);
    }

    /** Everything that makes this run unfit to count, in words; empty for a clean run. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (exitCode != 0) {
            problems.add("wrk exited " + exitCode);
        }
        if (requests <= 0 || Double.isNaN(requestsPerSecond)) {
            problems.add("no completed requests");
        }
        if (Double.isNaN(p50Micros) || Double.isNaN(p99Micros)) {
            problems.add("no latency distribution");
        }
        if (non2xxResponses > 0) {
            // wrk counts status >= 400 here, whatever the label says.
            problems.add(non2xxResponses + " non-2xx/3xx responses");
        }
        if (socketErrors.total() > 0) {
            problems.add("socket errors connect " + socketErrors.connect() + ", read " + socketErrors.read()
                    + ", write " + socketErrors.write() + ", timeout " + socketErrors.timeout());
        }
        return problems;
    }

    public boolean clean() {
        return problems().isEmpty();
    }
}

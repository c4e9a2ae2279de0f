package dev.sluice.bench.routing;

/**
 * What one run of one workload under one policy at one offered load measured. Times are seconds of simulated (or,
 * in live mode, engine) time; {@code NaN} means not measured.
 *
 * @param workload the workload's name
 * @param policy the policy's name
 * @param load the offered load, requests per second
 * @param requests the measured requests (after the warm-up)
 * @param ttftP50 time to first token, median
 * @param ttftP90 time to first token, 90th percentile
 * @param ttftP99 time to first token, 99th percentile
 * @param tpotP90 time per output token after the first, 90th percentile
 * @param e2eP90 end-to-end latency, 90th percentile
 * @param outputTokensPerSecond output tokens generated per second within the measurement window
 * @param requestsPerSecond measured requests over the time from the first one's arrival to the last one's finish
 * @param prefixHitRate prompt tokens served from the prefix cache over prompt tokens, 0..1
 * @param meanWaiting the mean waiting queue per engine (vLLM's {@code num_requests_waiting}), sampled
 * @param meanQueueTime the mean time from arrival to first admission by the engine
 * @param queueTimeP90 that time's 90th percentile
 * @param preemptions the engines' preemptions over the whole run
 * @param windowSeconds the length of the measurement window
 * @param wallMillis the wall-clock time the run took (not part of the result proper: it varies)
 */
public record RunResult(String workload, String policy, double load, int requests, double ttftP50, double ttftP90,
                        double ttftP99, double tpotP90, double e2eP90, double outputTokensPerSecond,
                        double requestsPerSecond, double prefixHitRate, double meanWaiting, double meanQueueTime,
                        double queueTimeP90, long preemptions, double windowSeconds, long wallMillis) {

    /** Returns this result with the wall-clock time zeroed, to compare runs. */
    public RunResult withoutWallTime() {
        return new RunResult(workload, policy, load, requests, ttftP50, ttftP90, ttftP99, tpotP90, e2eP90,
                             outputTokensPerSecond, requestsPerSecond, prefixHitRate, meanWaiting, meanQueueTime,
                             queueTimeP90, preemptions, windowSeconds, 0);
    }
}

package dev.sluice.bench.proxy;

import java.util.List;

/**
 * One wrk run of one arm in one round, with the CPU the arm's proxy used meanwhile ({@code NaN} when not measured).
 */
public record Measurement(String arm, int round, Phase phase, List<String> command, WrkResult wrk,
        double cpuMicrosPerRequest) {

    public boolean clean() {
        return wrk.clean();
    }
}

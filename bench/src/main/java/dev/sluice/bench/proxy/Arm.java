package dev.sluice.bench.proxy;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;

/** One way of reaching the backend that the benchmark measures: directly, or through one proxy. */
public interface Arm {

    /** Short name used in the table, e.g. "haproxy". */
    String name();

    /** The 127.0.0.1 port wrk sends load to. */
    int port();

    /** The process whose tree's CPU time is charged to this arm; empty for the direct arm, which has no proxy. */
    OptionalLong cpuPid();

    /** Starts the arm's process and waits until it serves; throws {@link ArmStartException} when it does not. */
    void start() throws IOException, InterruptedException;

    /** Stops the arm's process tree; idempotent. */
    void stop();

    /** The command line that started the arm, to print for reproduction. */
    List<String> commandLine();
}

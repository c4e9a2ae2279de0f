package dev.sluice.bench.proxy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/** An arm backed by one external process, started from a command line and polled until ready. */
public final class ProcessArm implements Arm {

    private final String name;
    private final int port;
    private final boolean proxy;
    private final List<String> command;
    private final Path dir;
    private final Readiness readiness;
    private final Duration readyTimeout;
    private ManagedProcess process;

    /**
     * @param proxy whether this arm's CPU is measured (false for the backend, which every arm shares)
     * @param dir the arm's own directory: working directory, configs and {@code output.log}
     */
    public ProcessArm(String name, int port, boolean proxy, List<String> command, Path dir, Readiness readiness,
            Duration readyTimeout) {
        this.name = name;
        this.port = port;
        this.proxy = proxy;
        this.command = List.copyOf(command);
        this.dir = dir;
        this.readiness = readiness;
        this.readyTimeout = readyTimeout;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public synchronized OptionalLong cpuPid() {
        return proxy && process != null ? OptionalLong.of(process.pid()) : OptionalLong.empty();
    }

    @Override
    public List<String> commandLine() {
        return command;
    }

    @Override
    public void start() throws IOException, InterruptedException {
        ManagedProcess started;
        synchronized (this) {
            process = ManagedProcess.start(command, dir, dir.resolve("output.log"));
            started = process;
        }
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (true) {
            if (!started.isAlive()) {
                throw new ArmStartException(name + " exited during start-up; its output ends with:\n"
                        + started.logTail(30));
            }
            if (readiness.check()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw new ArmStartException(name + " was not ready after " + readyTimeout.toSeconds()
                        + " s; its output ends with:\n" + started.logTail(30));
            }
            Thread.sleep(100);
        }
    }

    @Override
    public synchronized void stop() {
        if (process != null) {
            process.stop();
        }
    }
}

package dev.sluice.bench.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child process whose output goes to a log file and which is stopped together with its whole process tree. */
public final class ManagedProcess {

    private final List<String> command;
    private final Path log;
    private Process process;

    private ManagedProcess(List<String> command, Path log, Process process) {
        this.command = List.copyOf(command);
        this.log = log;
        this.process = process;
    }

    public static ManagedProcess start(List<String> command, Path workDir, Path log) throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                // Nothing may read our terminal: Ctrl-C and the shutdown hook must stay ours.
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        return new ManagedProcess(command, log, process);
    }

    public List<String> command() {
        return command;
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The last lines of the process's output, to explain a failed start. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /**
     * Asks politely (SIGTERM: nginx and HAProxy stop fast, a JVM runs its hooks), then kills whatever of the tree is
     * left; safe to call twice and from a shutdown hook.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        // Remember the children first: once the parent is gone they are re-parented and no longer its descendants.
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        process = null;
    }
}

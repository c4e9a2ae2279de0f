package dev.sluice.bench.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Stops every started arm and removes the temp directory exactly once, whether the run ends normally, by an
 * exception, or by Ctrl-C (through a shutdown hook).
 */
public final class Cleanup implements Runnable {

    private final Path tempDir;
    private final boolean keepTemp;
    private final List<Arm> arms = new ArrayList<>();
    private final AtomicBoolean done = new AtomicBoolean();

    public Cleanup(Path tempDir, boolean keepTemp) {
        this.tempDir = tempDir;
        this.keepTemp = keepTemp;
    }

    /** Registers an arm before it is started, so a half-started one is stopped too. */
    public synchronized void track(Arm arm) {
        arms.add(arm);
    }

    /** True once cleaning up has begun (Ctrl-C, SIGTERM or the normal end): start nothing new after that. */
    public boolean started() {
        return done.get();
    }

    @Override
    public void run() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        List<Arm> toStop;
        synchronized (this) {
            toStop = new ArrayList<>(arms);
        }
        // Proxies before the backend they front: the reverse of the start order.
        for (int i = toStop.size() - 1; i >= 0; i--) {
            toStop.get(i).stop();
        }
        // Anything else we started (a wrk cut short by Ctrl-C) must not outlive us.
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        if (!keepTemp) {
            deleteRecursively(tempDir);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("could not delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            System.err.println("could not clean up " + dir + ": " + e.getMessage());
        }
    }
}

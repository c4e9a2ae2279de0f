package dev.sluice.bench.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Reads the CPU time a process and all its descendants have used so far, from {@code /proc}. */
public final class ProcessCpu {

    private ProcessCpu() {
    }

    /**
     * utime + stime, in clock ticks, of the process and every live descendant (nginx's workers, for instance);
     * each /proc/PID/stat already includes all of that process's threads.
     */
    public static long treeTicks(long pid) {
        return ProcessHandle.of(pid)
                .map(root -> Stream.concat(Stream.of(root), root.descendants()).mapToLong(p -> ticks(p.pid())).sum())
                .orElse(0L);
    }

    private static long ticks(long pid) {
        try {
            return ProcStat.parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))).cpuTicks();
        } catch (NoSuchFileException e) {
            return 0; // exited between listing and reading
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
        }
    }

    /** Clock ticks per second as {@code getconf CLK_TCK} says, 100 if it cannot be asked. */
    public static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}

package dev.sluice.bench.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the numbers were measured on: CPUs, kernel, load, and the versions of every tool involved. */
public record MachineContext(int nproc, String cpuModel, String kernel, String loadAverage, String java,
        long clockTicksPerSecond, Map<String, String> toolVersions) {

    public static MachineContext capture(RequiredTools tools, long clockTicksPerSecond) {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("wrk", firstLine(List.of(tools.path("wrk").toString(), "-v")));
        versions.put("nginx", firstLine(List.of(tools.path("nginx").toString(), "-v")));
        versions.put("haproxy", firstLine(List.of(tools.path("haproxy").toString(), "-v")));
        return new MachineContext(Runtime.getRuntime().availableProcessors(), readCpuModel(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"), readLoadAverage(),
                Runtime.version() + " (" + System.getProperty("java.vendor") + ")", clockTicksPerSecond, versions);
    }

    private static String readCpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String readLoadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The first line a version command prints (wrk prints its version before its usage, and exits 1). */
    private static String firstLine(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().findFirst().orElse("").trim();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}

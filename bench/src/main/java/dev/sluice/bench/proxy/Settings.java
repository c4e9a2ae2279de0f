package dev.sluice.bench.proxy;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything a benchmark run was asked to do.
 *
 * @param sluice how to launch Sluice, or null when Sluice is not run
 * @param sluiceSkippedBecause why Sluice is not run (null when it is)
 * @param arguments the command-line arguments as given, to print for reproduction
 */
public record Settings(
        int rounds,
        int durationSeconds,
        int warmupSeconds,
        int connections,
        int threads,
        Arms.SluiceLaunch sluice,
        String sluiceSkippedBecause,
        Path jsonFile,
        boolean keepTemp,
        List<String> arguments) {
}

package dev.sluice.bench.proxy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Everything one benchmark run produced, for the text table and the JSON file alike. */
public record Report(
        Settings settings,
        MachineContext machine,
        List<ArmSummary> summaries,
        List<Measurement> measurements,
        List<Goal> goals,
        Map<String, Integer> armPorts,
        Map<String, List<String>> armCommands,
        List<String> throughputCommand,
        List<String> latencyCommand,
        List<String> notes,
        Path tempDir) {
}

package dev.sluice.bench.proxy;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Starts the backend and every arm, runs the interleaved rounds, and prints (and optionally saves) the report. */
public final class BenchmarkRunner {

    private final Settings settings;
    private final RequiredTools tools;
    private final PrintStream out;
    private final List<String> notes = new ArrayList<>();
    private boolean sluiceFailed;

    public BenchmarkRunner(Settings settings, RequiredTools tools, PrintStream out) {
        this.settings = settings;
        this.tools = tools;
        this.out = out;
    }

    /** Runs everything; returns the process exit code (1 when Sluice was wanted but did not start). */
    public int run() throws IOException, InterruptedException {
        long clockTicks = ProcessCpu.clockTicksPerSecond();
        MachineContext machine = MachineContext.capture(tools, clockTicks);
        Path tmp = Files.createTempDirectory("sluice-bench-");
        Cleanup cleanup = new Cleanup(tmp, settings.keepTemp());
        Thread hook = new Thread(cleanup, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Report report = measure(tmp, machine, clockTicks, cleanup);
            ReportPrinter.print(report, out);
            if (settings.jsonFile() != null) {
                Files.writeString(settings.jsonFile(), JsonReport.render(report));
                out.println("JSON written to " + settings.jsonFile().toAbsolutePath());
            }
            return sluiceFailed ? 1 : 0;
        } finally {
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or has run; nothing left to undo
            }
        }
    }

    private Report measure(Path tmp, MachineContext machine, long clockTicks, Cleanup cleanup)
            throws IOException, InterruptedException {
        int[] ports = FreePorts.pick(5);
        int backendPort = ports[0];
        Path script = tmp.resolve("request.lua");
        Files.writeString(script, Configs.wrkScript());
        WrkRunner wrk = new WrkRunner(tools.path("wrk"), script);

        List<Arm> arms = new ArrayList<>();
        arms.add(Arms.direct(tools.path("nginx"), tmp, backendPort));
        arms.add(Arms.nginx(tools.path("nginx"), tmp, ports[1], backendPort));
        arms.add(Arms.haproxy(tools.path("haproxy"), tmp, ports[2], backendPort));
        for (Arm arm : arms) {
            cleanup.track(arm);
            out.println("starting " + arm.name() + " on 127.0.0.1:" + arm.port());
            arm.start();
        }
        if (settings.sluice() != null) {
            startSluice(tmp, ports[3], ports[4], backendPort, cleanup).ifPresent(arms::add);
        } else {
            loudNote("Sluice is NOT benchmarked: " + settings.sluiceSkippedBecause());
        }
        for (Arm arm : arms) {
            sanityCheck(arm);
        }
        stopIfCancelled(cleanup);
        arms.stream().filter(a -> a.name().equals(Arms.SLUICE)).findFirst().ifPresent(s -> warmUp(wrk, s));

        List<Measurement> measurements = new ArrayList<>();
        for (int round = 1; round <= settings.rounds(); round++) {
            for (Arm arm : arms) {
                measurements.add(throughputRun(wrk, arm, round, clockTicks, cleanup));
            }
            for (Arm arm : arms) {
                measurements.add(latencyRun(wrk, arm, round, cleanup));
            }
        }

        List<ArmSummary> summaries = Analysis.summarise(arms.stream().map(Arm::name).toList(), measurements);
        Optional<ArmSummary> sluice = summaries.stream().filter(a -> a.arm().equals(Arms.SLUICE)).findFirst();
        String whyNoSluice = sluiceFailed ? "Sluice did not start" : "Sluice skipped: " + settings.sluiceSkippedBecause();
        List<Goal> goals = Goal.evaluate(sluice, whyNoSluice);

        Map<String, Integer> armPorts = new LinkedHashMap<>();
        Map<String, List<String>> armCommands = new LinkedHashMap<>();
        for (Arm arm : arms) {
            armPorts.put(arm.name(), arm.port());
            armCommands.put(arm.name(), arm.commandLine());
        }
        return new Report(settings, machine, summaries, measurements, goals, armPorts, armCommands,
                wrk.commandTemplate(settings.threads(), settings.connections(), settings.durationSeconds()),
                wrk.commandTemplate(1, 1, settings.durationSeconds()), notes, tmp);
    }

    private static void stopIfCancelled(Cleanup cleanup) throws InterruptedException {
        if (cleanup.started()) {
            throw new InterruptedException("benchmark cancelled");
        }
    }

    private Optional<Arm> startSluice(Path tmp, int port, int adminPort, int backendPort, Cleanup cleanup)
            throws IOException, InterruptedException {
        Arm sluice = Arms.sluice(settings.sluice(), tmp, port, adminPort, backendPort);
        cleanup.track(sluice);
        out.println("starting sluice on 127.0.0.1:" + port + " (admin " + adminPort + "): "
                + String.join(" ", sluice.commandLine()));
        try {
            sluice.start();
            return Optional.of(sluice);
        } catch (ArmStartException e) {
            sluiceFailed = true;
            sluice.stop();
            loudNote("Sluice is NOT benchmarked: it did not start. " + e.getMessage());
            return Optional.empty();
        }
    }

    /** One request through the arm before measuring, so a misrouted arm is reported plainly, not just as errors. */
    private void sanityCheck(Arm arm) throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + arm.port() + Configs.REQUEST_PATH))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Configs.REQUEST_JSON))
                .build();
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 || !response.body().contains("\"choices\"")) {
                loudNote(arm.name() + " answered a sample request with HTTP " + response.statusCode() + ": "
                        + abbreviate(response.body()) + " -- its runs will be flagged");
            }
        } catch (IOException e) {
            loudNote(arm.name() + " failed a sample request: " + e + " -- its runs will be flagged");
        }
    }

    private void warmUp(WrkRunner wrk, Arm sluice) {
        if (settings.warmupSeconds() <= 0) {
            return;
        }
        out.printf("warming up sluice for %d s (JIT) ...%n", settings.warmupSeconds());
        try {
            WrkResult result = wrk.run(sluice.port(), settings.threads(), settings.connections(),
                    settings.warmupSeconds());
            out.printf(Locale.ROOT, "  warm-up: %.0f req/s%s%n", result.requestsPerSecond(),
                    result.clean() ? "" : " (" + String.join("; ", result.problems()) + ")");
        } catch (IOException e) {
            loudNote("Sluice warm-up failed to run wrk: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Measurement throughputRun(WrkRunner wrk, Arm arm, int round, long clockTicks, Cleanup cleanup)
            throws IOException, InterruptedException {
        OptionalLong pid = arm.cpuPid();
        long before = pid.isPresent() ? ProcessCpu.treeTicks(pid.getAsLong()) : 0;
        WrkResult result = wrk.run(arm.port(), settings.threads(), settings.connections(), settings.durationSeconds());
        // A run cut short by Ctrl-C is garbage, not a result.
        stopIfCancelled(cleanup);
        double cpu = Double.NaN;
        if (pid.isPresent()) {
            long ticks = ProcessCpu.treeTicks(pid.getAsLong()) - before;
            cpu = Stats.cpuMicrosPerRequest(ticks, clockTicks, result.requests());
        }
        Measurement m = new Measurement(arm.name(), round, Phase.THROUGHPUT,
                wrk.command(arm.port(), settings.threads(), settings.connections(), settings.durationSeconds()),
                result, cpu);
        out.printf(Locale.ROOT, "round %d/%d throughput %-8s %9.0f req/s  cpu %s us/req%s%n", round,
                settings.rounds(), arm.name(), result.requestsPerSecond(),
                Double.isNaN(cpu) ? "-" : String.format(Locale.ROOT, "%.1f", cpu), flags(result));
        return m;
    }

    private Measurement latencyRun(WrkRunner wrk, Arm arm, int round, Cleanup cleanup)
            throws IOException, InterruptedException {
        WrkResult result = wrk.run(arm.port(), 1, 1, settings.durationSeconds());
        stopIfCancelled(cleanup);
        out.printf(Locale.ROOT, "round %d/%d latency    %-8s p50 %7.0f us  p99 %7.0f us%s%n", round,
                settings.rounds(), arm.name(), result.p50Micros(), result.p99Micros(), flags(result));
        return new Measurement(arm.name(), round, Phase.LATENCY, wrk.command(arm.port(), 1, 1,
                settings.durationSeconds()), result, Double.NaN);
    }

    private static String flags(WrkResult result) {
        return result.clean() ? "" : "  FLAGGED: " + String.join("; ", result.problems());
    }

    private void loudNote(String message) {
        notes.add(message);
        out.println();
        out.println("!".repeat(78));
        message.lines().forEach(line -> out.println("!! " + line));
        out.println("!".repeat(78));
        out.println();
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ").trim();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }
}

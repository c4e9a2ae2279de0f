package dev.sluice.bench.proxy;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Renders a {@link Report} as JSON, with {@code null} wherever a figure could not be measured. */
public final class JsonReport {

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonReport() {
    }

    public static String render(Report report) {
        Settings s = report.settings();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "proxy-overhead");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("rounds", s.rounds());
        settings.put("durationSeconds", s.durationSeconds());
        settings.put("warmupSeconds", s.warmupSeconds());
        settings.put("connections", s.connections());
        settings.put("threads", s.threads());
        settings.put("sluiceSkippedBecause", s.sluiceSkippedBecause());
        settings.put("arguments", s.arguments());
        root.put("settings", settings);
        root.put("machine", report.machine());
        root.put("notes", report.notes());
        root.put("arms", report.summaries().stream().map(JsonReport::arm).toList());
        root.put("goals", report.goals().stream().map(JsonReport::goal).toList());
        root.put("runs", report.measurements().stream().map(JsonReport::run).toList());
        Map<String, Object> reproduce = new LinkedHashMap<>();
        reproduce.put("ports", report.armPorts());
        reproduce.put("armCommands", report.armCommands());
        reproduce.put("throughputCommand", report.throughputCommand());
        reproduce.put("latencyCommand", report.latencyCommand());
        root.put("reproduce", reproduce);
        return MAPPER.writeValueAsString(root);
    }

    private static Map<String, Object> arm(ArmSummary a) {
        Map<String, Object> arm = new LinkedHashMap<>();
        arm.put("arm", a.arm());
        arm.put("requestsPerSecond", stats(a.requestsPerSecond()));
        arm.put("throughputVsDirect", stats(a.vsDirect()));
        arm.put("throughputVsHaproxy", stats(a.vsHaproxy()));
        arm.put("p50MicrosC1", stats(a.p50Micros()));
        arm.put("p99MicrosC1", stats(a.p99Micros()));
        arm.put("addedP50MicrosC1", stats(a.addedP50Micros()));
        arm.put("addedP99MicrosC1", stats(a.addedP99Micros()));
        arm.put("cpuMicrosPerRequest", stats(a.cpuMicrosPerRequest()));
        arm.put("throughputRuns", a.throughputRuns());
        arm.put("cleanThroughputRuns", a.cleanThroughputRuns());
        arm.put("latencyRuns", a.latencyRuns());
        arm.put("cleanLatencyRuns", a.cleanLatencyRuns());
        return arm;
    }

    private static Map<String, Object> goal(Goal g) {
        Map<String, Object> goal = new LinkedHashMap<>();
        goal.put("description", g.description());
        goal.put("verdict", g.verdict().name());
        goal.put("measured", g.measured());
        return goal;
    }

    private static Map<String, Object> stats(Stats stats) {
        if (stats.isEmpty()) {
            return null;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("median", stats.median());
        map.put("min", stats.min());
        map.put("max", stats.max());
        map.put("n", stats.count());
        return map;
    }

    private static Map<String, Object> run(Measurement m) {
        WrkResult w = m.wrk();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("round", m.round());
        run.put("arm", m.arm());
        run.put("phase", m.phase().name().toLowerCase(Locale.ROOT));
        run.put("clean", m.clean());
        run.put("problems", w.problems());
        run.put("requests", w.requests());
        run.put("durationSeconds", number(w.durationSeconds()));
        run.put("requestsPerSecond", number(w.requestsPerSecond()));
        run.put("p50Micros", number(w.p50Micros()));
        run.put("p99Micros", number(w.p99Micros()));
        run.put("non2xxResponses", w.non2xxResponses());
        run.put("socketErrors", w.socketErrors());
        run.put("cpuMicrosPerRequest", number(m.cpuMicrosPerRequest()));
        run.put("command", m.command());
        return run;
    }

    private static Double number(double value) {
        return Double.isNaN(value) ? null : value;
    }
}

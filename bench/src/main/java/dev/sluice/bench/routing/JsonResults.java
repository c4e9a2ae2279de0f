package dev.sluice.bench.routing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Renders sweep results as JSON: per workload, policy and load, with {@code null} for figures not measured. */
final class JsonResults {

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private JsonResults() {}

    static String render(String mode, List<String> arguments, List<WorkloadResults> results, List<Goal> goals) {
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "routing");
        root.put("mode", mode);
        root.put("arguments", arguments);
        root.put("workloads", results.stream().map(JsonResults::workload).toList());
        root.put("goals", goals.stream().map(g -> {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", g.workload());
            m.put("goal", g.name());
            m.put("verdict", g.verdict().name());
            m.put("figures", g.figures());
            return m;
        }).toList());
        return MAPPER.writeValueAsString(root);
    }

    private static Map<String, Object> workload(WorkloadResults w) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("workload", w.workload());
        m.put("shape", w.shape());
        m.put("kneeTtftSeconds", w.kneeTtftSeconds());
        final Map<String, Object> knees = new LinkedHashMap<>();
        for (String p : w.policies()) {
            knees.put(p, w.knee(p));
        }
        m.put("knees", knees);
        m.put("runs", w.runs().stream().map(JsonResults::run).toList());
        return m;
    }

    static Map<String, Object> run(RunResult r) {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("policy", r.policy());
        m.put("load", r.load());
        m.put("requests", r.requests());
        final Map<String, Object> ttft = new LinkedHashMap<>();
        ttft.put("p50", num(r.ttftP50()));
        ttft.put("p90", num(r.ttftP90()));
        ttft.put("p99", num(r.ttftP99()));
        m.put("ttftSeconds", ttft);
        m.put("tpotP90Seconds", num(r.tpotP90()));
        m.put("e2eP90Seconds", num(r.e2eP90()));
        m.put("outputTokensPerSecond", num(r.outputTokensPerSecond()));
        m.put("requestsPerSecond", num(r.requestsPerSecond()));
        m.put("prefixHitRate", num(r.prefixHitRate()));
        m.put("meanWaitingPerPod", num(r.meanWaiting()));
        m.put("meanQueueTimeSeconds", num(r.meanQueueTime()));
        m.put("queueTimeP90Seconds", num(r.queueTimeP90()));
        m.put("preemptions", r.preemptions());
        m.put("windowSeconds", num(r.windowSeconds()));
        m.put("wallMillis", r.wallMillis());
        return m;
    }

    private static Double num(double v) {
        return Double.isFinite(v) ? v : null;
    }
}

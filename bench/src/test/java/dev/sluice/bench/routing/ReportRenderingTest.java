package dev.sluice.bench.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.sluice.bench.routing.Goal.Verdict;

class ReportRenderingTest {

    private static RunResult run(String workload, String policy, double load, double ttftP90, double outTokS,
                                 double hit) {
        return new RunResult(workload, policy, load, 100, ttftP90 / 2, ttftP90, ttftP90 * 2, 0.03, ttftP90 + 10,
                             outTokS, outTokS / 1000, hit, 0.5, 0.2, 0.4, 3, 60, 1234);
    }

    /** Round-robin's knee at 8: its TTFT p90 passes 2 s there. */
    static WorkloadResults sharedPrefix() {
        return new WorkloadResults(SharedPrefixWorkload.NAME, "shape", List.of(
                run("shared-prefix", "round-robin", 4, 0.4, 4000, 0.18),
                run("shared-prefix", "gie-default", 4, 0.11, 4000, 0.86),
                run("shared-prefix", "sluice-default", 4, 0.10, 4000, 0.85),
                run("shared-prefix", "oracle", 4, 0.10, 4000, 0.87),
                run("shared-prefix", "round-robin", 8, 10, 7000, 0.19),
                run("shared-prefix", "gie-default", 8, 0.4, 7700, 0.86),
                run("shared-prefix", "sluice-default", 8, 0.12, 7700, 0.84),
                run("shared-prefix", "oracle", 8, 0.12, 7700, 0.87),
                run("shared-prefix", "round-robin", 16, 60, 7000, 0.19),
                run("shared-prefix", "gie-default", 16, 0.5, 15000, 0.9),
                run("shared-prefix", "sluice-default", 16, 0.3, 15000, 0.9),
                run("shared-prefix", "oracle", 16, 3, 14000, 0.9)), 2);
    }

    @Test
    void closedLoopSweepsAreTabledByConcurrencyAndJudgedAtRoundRobinsKneeConcurrency() {
        final WorkloadResults open = sharedPrefix();
        final WorkloadResults closed = new WorkloadResults(SharedPrefixWorkload.NAME + Goals.CLOSED_LOOP, "shape",
                                                           open.runs(), 2);
        assertThat(Goals.isClosedLoop(closed)).isTrue();
        assertThat(Goals.isClosedLoop(open)).isFalse();
        // Only the closed-loop sweep has closed-loop goals, and the open-loop goals ignore it.
        assertThat(Goals.evaluateClosedLoop(List.of(open))).isEmpty();
        assertThat(Goals.evaluate(List.of(closed))).isEmpty();
        final List<Goal> goals = Goals.evaluateClosedLoop(List.of(open, closed));
        assertThat(goals).extracting(Goal::verdict).containsExactly(Verdict.PASS, Verdict.PASS, Verdict.FAIL);
        assertThat(goals).extracting(Goal::workload).containsOnly("shared-prefix (closed loop)");
        assertThat(goals.get(0).figures()).contains("at round-robin's knee, concurrency 8", "0.120 s vs 10.00 s");
        assertThat(goals.get(2).figures()).contains("7700 tok/s vs 7000 tok/s = 1.100x");

        final String table = TextReport.table(closed);
        assertThat(table).contains("round-robin's knee (TTFT p90 > 2.00 s): concurrency 8").contains("concurrency")
                         .doesNotContain("load req/s");
        // Goal lines stay aligned when a workload name is longer than the usual column.
        final String lines = TextReport.goals(goals);
        final List<String> rows = lines.lines().skip(1).toList();
        assertThat(rows).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(rows.get(i).indexOf(goals.get(i).name())).isEqualTo(rows.get(0).indexOf(goals.get(0).name()))
                                                                 .isGreaterThan(12 + 1 + 27);
        }
    }

    @Test
    void kneesAreTheFirstLoadPastTheThreshold() {
        final WorkloadResults w = sharedPrefix();
        assertThat(w.loads()).containsExactly(4.0, 8.0, 16.0);
        assertThat(w.policies()).containsExactly("round-robin", "gie-default", "sluice-default", "oracle");
        assertThat(w.knee("round-robin")).isEqualTo(8.0);
        assertThat(w.knee("oracle")).isEqualTo(16.0);
        assertThat(w.knee("sluice-default")).isNull();
    }

    @Test
    void goalsCompareAtRoundRobinsKnee() {
        final List<Goal> goals = Goals.evaluate(List.of(sharedPrefix()));
        assertThat(goals).extracting(Goal::verdict).containsExactly(
                Verdict.PASS,            // 0.12 <= 0.1 × 10
                Verdict.PASS,            // 0.12 <= 0.5 × 0.4
                Verdict.FAIL,            // 7700 < 2 × 7000
                Verdict.PASS,            // peak 15000 >= 2 × 7000
                Verdict.PASS,            // no knee up to 16 = 2 × 8
                Verdict.PASS);           // 84% vs 87%
        assertThat(goals.get(0).figures()).contains("at round-robin's knee, 8 req/s", "0.120 s vs 10.00 s",
                                                    "0.012x");
        assertThat(goals.get(5).figures()).contains("84.0%", "87.0%", "-3.0 points");
    }

    @Test
    void missingPoliciesAreNotMeasured() {
        final WorkloadResults onlyRr = new WorkloadResults(LowSharingWorkload.NAME, "shape",
                                                           List.of(run("low-sharing", "round-robin", 10, 0.1, 1, 0)),
                                                           2);
        assertThat(Goals.evaluate(List.of(onlyRr))).extracting(Goal::verdict)
                                                   .containsOnly(Verdict.NOT_MEASURED);
        // Low sharing compares below round-robin's knee only, worst ratio first.
        final WorkloadResults lowSharing = new WorkloadResults(LowSharingWorkload.NAME, "shape", List.of(
                run("low-sharing", "round-robin", 10, 0.1, 2000, 0),
                run("low-sharing", "least-queue", 10, 0.1, 2000, 0),
                run("low-sharing", "sluice-default", 10, 0.104, 1920, 0),
                run("low-sharing", "round-robin", 20, 0.2, 4000, 0),
                run("low-sharing", "least-queue", 20, 0.2, 4000, 0),
                run("low-sharing", "sluice-default", 20, 0.22, 4000, 0),
                run("low-sharing", "round-robin", 30, 30, 4000, 0),
                run("low-sharing", "least-queue", 30, 20, 4000, 0),
                run("low-sharing", "sluice-default", 30, 40, 3000, 0)), 2);
        final List<Goal> goals = Goals.evaluate(List.of(lowSharing));
        assertThat(goals).extracting(Goal::verdict).containsExactly(Verdict.PASS, Verdict.FAIL);
        assertThat(goals.get(0).figures()).contains("worst 0.960x", "below round-robin's knee (30)")
                                          .doesNotContain("30: ");
        assertThat(goals.get(1).figures()).contains("worst 1.100x", "20: 0.220/0.200 s = 1.100x");
    }

    @Test
    void multiLoraComparesQueueTimeAtEveryLoad() {
        final RunResult rr = run("multi-lora", "round-robin", 5, 1, 1000, 0.5);
        final RunResult sluice = new RunResult("multi-lora", "sluice-default", 5, 100, 0.05, 0.1, 0.2, 0.03, 5,
                                               1000, 1, 0.5, 0.1, 0.5, 0.9, 0, 60, 0);
        final List<Goal> goals = Goals.evaluate(List.of(
                new WorkloadResults(MultiLoraWorkload.NAME, "shape", List.of(rr, sluice), 2)));
        assertThat(goals).singleElement().satisfies(g -> {
            assertThat(g.verdict()).isEqualTo(Verdict.FAIL); // 0.5 s > 0.2 s
            assertThat(g.figures()).contains("5 req/s: 0.500 vs 0.200 s");
        });
        // Ten milliseconds of slack.
        final RunResult close = new RunResult("multi-lora", "sluice-default", 5, 100, 0.05, 0.1, 0.2, 0.03, 5,
                                              1000, 1, 0.5, 0.1, 0.208, 0.3, 0, 60, 0);
        assertThat(Goals.evaluate(List.of(new WorkloadResults(MultiLoraWorkload.NAME, "shape",
                                                               List.of(rr, close), 2))))
                .singleElement().satisfies(g -> {
            assertThat(g.verdict()).isEqualTo(Verdict.PASS);
        });
    }

    @Test
    void liveConfirmsTheDesRankingWhenClearPairsKeepTheirOrder() {
        final WorkloadResults des = new WorkloadResults("shared-prefix", "s", List.of(
                run("shared-prefix", "round-robin", 8, 10, 1, 0), run("shared-prefix", "gie-default", 8, 0.5, 1, 0),
                run("shared-prefix", "sluice-default", 8, 0.45, 1, 0)), 2);
        final WorkloadResults agrees = new WorkloadResults("shared-prefix", "s", List.of(
                run("shared-prefix", "round-robin", 8, 7, 1, 0), run("shared-prefix", "gie-default", 8, 0.4, 1, 0),
                run("shared-prefix", "sluice-default", 8, 0.6, 1, 0)), 2);
        // gie vs sluice differ by under 1.5x in DES: a tie, not checked.
        assertThat(Goals.rankingAgreement(agrees, des)).satisfies(g -> {
            assertThat(g.verdict()).isEqualTo(Verdict.PASS);
            assertThat(g.figures()).startsWith("2 pairs checked");
        });
        final WorkloadResults disagrees = new WorkloadResults("shared-prefix", "s", List.of(
                run("shared-prefix", "round-robin", 8, 0.3, 1, 0), run("shared-prefix", "gie-default", 8, 0.4, 1, 0)),
                2);
        assertThat(Goals.rankingAgreement(disagrees, des)).satisfies(g -> {
            assertThat(g.verdict()).isEqualTo(Verdict.FAIL);
            assertThat(g.figures()).contains("disagree: round-robin vs gie-default at 8");
        });
        final WorkloadResults one = new WorkloadResults("shared-prefix", "s",
                                                        List.of(run("shared-prefix", "round-robin", 8, 7, 1, 0)), 2);
        assertThat(Goals.rankingAgreement(one, des).verdict()).isEqualTo(Verdict.NOT_MEASURED);
    }

    @Test
    void tableHasARowPerPolicyAndLoad() {
        final String text = TextReport.render(List.of(sharedPrefix()), Goals.evaluate(List.of(sharedPrefix())));
        assertThat(text).contains("== shared-prefix: shape", "round-robin's knee (TTFT p90 > 2.00 s): 8 req/s",
                                  "TTFT p50 s", "out tok/s", "hit %", "== goals", "PASS", "FAIL");
        assertThat(text.lines().filter(l -> l.contains("sluice-default") && !l.startsWith("PASS") &&
                                            !l.startsWith("FAIL"))).hasSize(3);
        assertThat(TextReport.load(8)).isEqualTo("8");
        assertThat(TextReport.load(2.5)).isEqualTo("2.50");
    }

    @Test
    void jsonHasEveryFigurePerWorkloadPolicyAndLoad() {
        final String json = JsonResults.render("des", List.of("--loads", "4,8,16"), List.of(sharedPrefix()),
                                               Goals.evaluate(List.of(sharedPrefix())));
        final JsonNode root = JsonMapper.builder().build().readTree(json);
        assertThat(root.get("mode").asString()).isEqualTo("des");
        final JsonNode w = root.get("workloads").get(0);
        assertThat(w.get("knees").get("round-robin").asDouble()).isEqualTo(8);
        assertThat(w.get("knees").get("sluice-default").isNull()).isTrue();
        assertThat(w.get("runs")).hasSize(12);
        final JsonNode run = w.get("runs").get(0);
        for (String field : List.of("policy", "load", "requests", "ttftSeconds", "tpotP90Seconds",
                                    "outputTokensPerSecond", "requestsPerSecond", "prefixHitRate",
                                    "meanWaitingPerPod", "meanQueueTimeSeconds")) {
            assertThat(run.has(field)).as(field).isTrue();
        }
        assertThat(run.get("ttftSeconds").get("p90").asDouble()).isEqualTo(0.4);
        assertThat(root.get("goals").get(0).get("verdict").asString()).isEqualTo("PASS");
    }

    @Test
    void svgIsWellFormedWithALinePerPolicyPerWorkload() throws Exception {
        final WorkloadResults other = new WorkloadResults("multi-lora", "s", List.of(
                run("multi-lora", "round-robin", 5, 1, 1000, 0.5),
                run("multi-lora", "round-robin", 10, 12, 1000, 0.5),
                run("multi-lora", "sluice-default", 5, 0.05, 1000, 0.5),
                run("multi-lora", "sluice-default", 10, 0.07, 1000, 0.5)), 2);
        final String svg = SvgChart.render(List.of(sharedPrefix(), other));
        final Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(
                new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(4 + 2);
        assertThat(svg).contains(">shared-prefix<", ">multi-lora<", "TTFT p90 (s, log)", "knee 2.00 s",
                                 ">oracle<");
        assertThat(SvgChart.escape("a<b&\"c\">")).isEqualTo("a&lt;b&amp;&quot;c&quot;&gt;");
    }
}

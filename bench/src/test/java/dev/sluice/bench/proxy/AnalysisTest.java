package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class AnalysisTest {

    private static final List<String> ARMS = List.of(Arms.DIRECT, Arms.NGINX, Arms.HAPROXY, Arms.SLUICE);

    @Test
    void ratiosAndAddedLatencyArePairedWithinEachRound() {
        List<Measurement> ms = new ArrayList<>();
        // Round 2 runs on a machine twice as busy: everything halves, so per-round ratios stay put.
        for (int round = 1; round <= 3; round++) {
            double scale = round == 2 ? 0.5 : 1.0;
            ms.add(throughput(Arms.DIRECT, round, 100_000 * scale, Double.NaN));
            ms.add(throughput(Arms.NGINX, round, 50_000 * scale, 20));
            ms.add(throughput(Arms.HAPROXY, round, 40_000 * scale, 25));
            ms.add(throughput(Arms.SLUICE, round, 38_000 * scale, 22 + round));
            ms.add(latency(Arms.DIRECT, round, 80, 200));
            ms.add(latency(Arms.NGINX, round, 150, 300));
            ms.add(latency(Arms.HAPROXY, round, 160, 320));
            ms.add(latency(Arms.SLUICE, round, 150 + 10 * round, 400));
        }

        List<ArmSummary> summaries = Analysis.summarise(ARMS, ms);

        ArmSummary sluice = summaries.get(3);
        assertThat(sluice.arm()).isEqualTo(Arms.SLUICE);
        assertThat(sluice.requestsPerSecond().median()).isEqualTo(38_000);
        assertThat(sluice.requestsPerSecond().min()).isEqualTo(19_000);
        assertThat(sluice.vsHaproxy().median()).isCloseTo(0.95, within(1e-12));
        assertThat(sluice.vsHaproxy().min()).isCloseTo(0.95, within(1e-12));
        assertThat(sluice.vsHaproxy().max()).isCloseTo(0.95, within(1e-12));
        assertThat(sluice.vsDirect().median()).isCloseTo(0.38, within(1e-12));
        assertThat(sluice.addedP50Micros().median()).isEqualTo(90);
        assertThat(sluice.addedP50Micros().min()).isEqualTo(80);
        assertThat(sluice.addedP50Micros().max()).isEqualTo(100);
        assertThat(sluice.addedP99Micros().median()).isEqualTo(200);
        assertThat(sluice.cpuMicrosPerRequest().median()).isEqualTo(24);
        assertThat(sluice.cleanThroughputRuns()).isEqualTo(3);

        ArmSummary direct = summaries.get(0);
        assertThat(direct.vsDirect().median()).isEqualTo(1.0);
        assertThat(direct.cpuMicrosPerRequest().isEmpty()).isTrue();
        assertThat(direct.addedP50Micros().isEmpty()).isTrue();
    }

    @Test
    void runsWithErrorsAreLeftOutButCounted() {
        WrkResult withErrors = new WrkResult(1000, 1, 900_000, 5, 9, 12, WrkResult.SocketErrors.NONE, 0);
        List<Measurement> ms = List.of(
                throughput(Arms.DIRECT, 1, 100_000, Double.NaN),
                throughput(Arms.HAPROXY, 1, 40_000, 25),
                new Measurement(Arms.SLUICE, 1, Phase.THROUGHPUT, List.of(), withErrors, 1),
                throughput(Arms.DIRECT, 2, 100_000, Double.NaN),
                throughput(Arms.HAPROXY, 2, 40_000, 25),
                throughput(Arms.SLUICE, 2, 36_000, 30));

        ArmSummary sluice = Analysis.summarise(ARMS, ms).get(3);

        assertThat(sluice.throughputRuns()).isEqualTo(2);
        assertThat(sluice.cleanThroughputRuns()).isEqualTo(1);
        assertThat(sluice.requestsPerSecond().count()).isEqualTo(1);
        assertThat(sluice.requestsPerSecond().median()).isEqualTo(36_000);
        assertThat(sluice.vsHaproxy().median()).isCloseTo(0.9, within(1e-12));
        assertThat(sluice.cpuMicrosPerRequest().median()).isEqualTo(30);
        assertThat(sluice.latencyRuns()).isZero();
        assertThat(sluice.p50Micros().isEmpty()).isTrue();
    }

    @Test
    void goalsJudgeMediansAgainstTheIssuesTargets() {
        ArmSummary passing = sluiceSummary(Stats.of(List.of(0.92, 0.95, 0.91)), Stats.of(List.of(60.0, 80.0, 70.0)),
                Stats.of(List.of(20.0, 24.0, 22.0)));
        assertThat(Goal.evaluate(Optional.of(passing), "").stream().map(Goal::verdict))
                .containsOnly(Goal.Verdict.PASS);

        ArmSummary failing = sluiceSummary(Stats.of(List.of(0.85, 0.95, 0.80)), Stats.of(List.of(101.0)),
                Stats.EMPTY);
        List<Goal> goals = Goal.evaluate(Optional.of(failing), "");
        assertThat(goals).extracting(Goal::verdict).containsExactly(Goal.Verdict.FAIL, Goal.Verdict.FAIL,
                Goal.Verdict.FAIL);
        assertThat(goals.get(0).measured()).isEqualTo("median 0.85x over 3 round(s), range 0.80..0.95");
        assertThat(goals.get(2).measured()).isEqualTo("no clean runs");

        assertThat(Goal.evaluate(Optional.empty(), "Sluice skipped")).extracting(Goal::verdict)
                .containsOnly(Goal.Verdict.NOT_MEASURED);
    }

    @Test
    void throughputRatioExactlyAtTheTargetPasses() {
        ArmSummary atTarget = sluiceSummary(Stats.of(List.of(0.9)), Stats.of(List.of(100.0)),
                Stats.of(List.of(25.0)));
        assertThat(Goal.evaluate(Optional.of(atTarget), "")).extracting(Goal::verdict)
                .containsOnly(Goal.Verdict.PASS);
    }

    private static ArmSummary sluiceSummary(Stats vsHaproxy, Stats addedP50, Stats cpu) {
        return new ArmSummary(Arms.SLUICE, Stats.EMPTY, Stats.EMPTY, vsHaproxy, Stats.EMPTY, Stats.EMPTY, addedP50,
                Stats.EMPTY, cpu, 3, 3, 3, 3);
    }

    private static Measurement throughput(String arm, int round, double rps, double cpu) {
        WrkResult r = new WrkResult((long) (rps * 10), 10, rps, 100, 900, 0, WrkResult.SocketErrors.NONE, 0);
        return new Measurement(arm, round, Phase.THROUGHPUT, List.of("wrk"), r, cpu);
    }

    private static Measurement latency(String arm, int round, double p50, double p99) {
        WrkResult r = new WrkResult(10_000, 10, 1000, p50, p99, 0, WrkResult.SocketErrors.NONE, 0);
        return new Measurement(arm, round, Phase.LATENCY, List.of("wrk"), r, Double.NaN);
    }
}

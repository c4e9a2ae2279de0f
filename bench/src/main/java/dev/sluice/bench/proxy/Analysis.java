package dev.sluice.bench.proxy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleBiFunction;
import java.util.function.ToDoubleFunction;

/** Turns the raw measurements of all rounds into one {@link ArmSummary} per arm. */
public final class Analysis {

    private final Map<Key, Measurement> byKey = new HashMap<>();
    private final List<Integer> rounds;

    private record Key(String arm, int round, Phase phase) {
    }

    private Analysis(List<Measurement> measurements) {
        for (Measurement m : measurements) {
            byKey.put(new Key(m.arm(), m.round(), m.phase()), m);
        }
        rounds = measurements.stream().map(Measurement::round).distinct().sorted().toList();
    }

    public static List<ArmSummary> summarise(List<String> arms, List<Measurement> measurements) {
        Analysis analysis = new Analysis(measurements);
        return arms.stream().map(analysis::summarise).toList();
    }

    private ArmSummary summarise(String arm) {
        return new ArmSummary(arm,
                own(arm, Phase.THROUGHPUT, m -> m.wrk().requestsPerSecond()),
                paired(arm, Arms.DIRECT, Phase.THROUGHPUT, (a, b) -> Stats.ratio(a.wrk().requestsPerSecond(),
                        b.wrk().requestsPerSecond())),
                paired(arm, Arms.HAPROXY, Phase.THROUGHPUT, (a, b) -> Stats.ratio(a.wrk().requestsPerSecond(),
                        b.wrk().requestsPerSecond())),
                own(arm, Phase.LATENCY, m -> m.wrk().p50Micros()),
                own(arm, Phase.LATENCY, m -> m.wrk().p99Micros()),
                arm.equals(Arms.DIRECT) ? Stats.EMPTY
                        : paired(arm, Arms.DIRECT, Phase.LATENCY, (a, b) -> a.wrk().p50Micros() - b.wrk().p50Micros()),
                arm.equals(Arms.DIRECT) ? Stats.EMPTY
                        : paired(arm, Arms.DIRECT, Phase.LATENCY, (a, b) -> a.wrk().p99Micros() - b.wrk().p99Micros()),
                own(arm, Phase.THROUGHPUT, Measurement::cpuMicrosPerRequest),
                count(arm, Phase.THROUGHPUT, false), count(arm, Phase.THROUGHPUT, true),
                count(arm, Phase.LATENCY, false), count(arm, Phase.LATENCY, true));
    }

    /** A figure of the arm's own clean runs. */
    private Stats own(String arm, Phase phase, ToDoubleFunction<Measurement> figure) {
        List<Double> values = new ArrayList<>();
        for (int round : rounds) {
            find(arm, round, phase).filter(Measurement::clean).ifPresent(m -> values.add(figure.applyAsDouble(m)));
        }
        return Stats.of(values);
    }

    /** A figure comparing the arm with a reference arm in each round where both runs were clean. */
    private Stats paired(String arm, String reference, Phase phase, ToDoubleBiFunction<Measurement, Measurement> figure) {
        List<Double> values = new ArrayList<>();
        for (int round : rounds) {
            Optional<Measurement> a = find(arm, round, phase).filter(Measurement::clean);
            Optional<Measurement> b = find(reference, round, phase).filter(Measurement::clean);
            if (a.isPresent() && b.isPresent()) {
                values.add(figure.applyAsDouble(a.get(), b.get()));
            }
        }
        return Stats.of(values);
    }

    private int count(String arm, Phase phase, boolean cleanOnly) {
        return (int) rounds.stream().map(r -> find(arm, r, phase)).flatMap(Optional::stream)
                .filter(m -> !cleanOnly || m.clean()).count();
    }

    private Optional<Measurement> find(String arm, int round, Phase phase) {
        return Optional.ofNullable(byKey.get(new Key(arm, round, phase)));
    }
}

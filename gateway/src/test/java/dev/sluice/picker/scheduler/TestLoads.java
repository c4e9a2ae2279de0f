package dev.sluice.picker.scheduler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.picker.PickRequest;
import dev.sluice.picker.metrics.EndpointLoad;
import dev.sluice.picker.metrics.EndpointMetricsSnapshot;
import dev.sluice.picker.metrics.MetricsState;
import dev.sluice.picker.metrics.ModelServerMetrics;

/** Hand-made endpoints and loads for scheduler tests. */
final class TestLoads implements EndpointLoadSource {

    static final EndpointDirectory DIRECTORY = new EndpointDirectory();

    static Endpoint endpoint(int i) {
        return DIRECTORY.get("127.0.1." + i, 8000);
    }

    static ModelServerMetrics metrics(double waiting, double kv) {
        return new ModelServerMetrics(waiting, 0, kv, List.of(), List.of(), 0, 0, 0);
    }

    static ModelServerMetrics lora(List<String> running, List<String> waiting, int maxLoras) {
        return new ModelServerMetrics(0, 0, 0.1, running, waiting, maxLoras, 0, 0);
    }

    static EndpointLoad load(Endpoint e, MetricsState state, ModelServerMetrics m, int inFlight, long inFlightTokens) {
        return new EndpointLoad(new EndpointMetricsSnapshot(e.authority(), "vllm", state, m,
                                                            state == MetricsState.UNKNOWN ? -1 : 0, 0, null),
                                inFlight, 0, inFlightTokens, 0, 0, 0);
    }

    static EndpointLoad fresh(Endpoint e, double waiting, double kv) {
        return load(e, MetricsState.FRESH, metrics(waiting, kv), 0, 0);
    }

    static EndpointLoad stale(Endpoint e, double waiting, double kv) {
        return load(e, MetricsState.STALE, metrics(waiting, kv), 0, 0);
    }

    static EndpointLoad unknown(Endpoint e, int inFlight, long tokens) {
        return load(e, MetricsState.UNKNOWN, ModelServerMetrics.UNKNOWN, inFlight, tokens);
    }

    static Candidate candidate(EndpointLoad load, int matched) {
        return Candidate.of(DIRECTORY.get(load.authority().split(":")[0], 8000), load, matched);
    }

    static SchedulingContext context(String model, int blocks, boolean anyFresh) {
        return new SchedulingContext(new PickRequest("pool", model, 0, ""),
                                     new PrefixBlocks(new long[blocks], 16), anyFresh);
    }

    static double[] score(Scorer scorer, SchedulingContext context, List<Candidate> candidates) {
        final double[] scores = new double[candidates.size()];
        scorer.score(context, candidates, scores);
        return scores;
    }

    private final Map<String, EndpointLoad> loads = new HashMap<>();

    TestLoads put(EndpointLoad load) {
        loads.put(load.authority(), load);
        return this;
    }

    @Override
    public EndpointLoad load(String authority) {
        final EndpointLoad l = loads.get(authority);
        if (l != null) {
            return l;
        }
        return new EndpointLoad(new EndpointMetricsSnapshot(authority, "", MetricsState.UNKNOWN,
                                                            ModelServerMetrics.UNKNOWN, -1, 0, null), 0, 0, 0, 0, 0, 0);
    }
}

package dev.sluice.simulator.des;

import static java.util.Objects.requireNonNull;

import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.internal.BatchingEngine;
import dev.sluice.simulator.internal.Sequence;
import dev.sluice.simulator.internal.SequenceListener;

/**
 * Shows one simulated pod of a {@link DiscreteEventSimulation}: its configuration and its live engine state, as a
 * routing policy may read it (exactly and at once; an oracle, unlike a gateway that scrapes metrics).
 */
public final class SimulatedEngine {

    private final String name;
    private final int index;
    private final SimulatorConfig config;
    private final BatchingEngine engine;
    // Simulation-loop state.
    boolean stepping;
    private int outstanding;

    SimulatedEngine(String name, int index, SimulatorConfig config, BatchingEngine engine) {
        this.name = requireNonNull(name, "name");
        this.index = index;
        this.config = config;
        this.engine = engine;
    }

    BatchingEngine engine() {
        return engine;
    }

    /** Returns the name given when the engine was added. */
    public String name() {
        return name;
    }

    /** Returns the position of the engine in {@link DiscreteEventSimulation#engines()}. */
    public int index() {
        return index;
    }

    /** Returns the engine's configuration. */
    public SimulatorConfig config() {
        return config;
    }

    /** Returns the engine's queues, KV usage and LoRA adapters now, as its {@code /metrics} would show them. */
    public EngineSnapshot snapshot() {
        return engine.snapshot();
    }

    /** Returns the fraction of KV blocks referenced by sequences, as {@code vllm:kv_cache_usage_perc}. */
    public double kvCacheUsage() {
        return engine.kvCacheUsage();
    }

    /** Returns the number of sequences waiting, preempted ones included. */
    public int waitingRequests() {
        return engine.waitingSequences();
    }

    /** Returns the number of sequences running. */
    public int runningRequests() {
        return engine.runningSequences();
    }

    /**
     * Returns the requests routed to this engine and not finished, including those not yet in its queue (still in
     * the request overhead): the count a router keeps by itself, always fresh.
     */
    public int outstandingRequests() {
        return outstanding;
    }

    /**
     * Returns how many prompt tokens of the given request this engine's prefix cache would supply if the request
     * were admitted now: whole cached blocks, below the prompt length.
     */
    public int cachedPrefixTokens(SimulatedRequest request) {
        requireNonNull(request, "request");
        return engine.cachedPrefixTokens(request.blockHashes(config.model(), config.blockSize()),
                                         request.promptTokens());
    }

    /**
     * Returns the prefix-cache keys of the given request's full prompt blocks on this engine: chained hashes
     * seeded with this engine's model and the request's adapter.
     */
    public long[] blockHashes(SimulatedRequest request) {
        requireNonNull(request, "request");
        return request.blockHashes(config.model(), config.blockSize()).clone();
    }

    /** Returns whether a block with the given prefix-cache key is cached on this engine, referenced or free. */
    public boolean isCached(long blockHash) {
        return engine.isCached(blockHash);
    }

    /** Returns the number of KV blocks holding a cached prefix, referenced or free. */
    public int cachedBlocks() {
        return engine.cachedBlocks();
    }

    /** Returns the number of preemptions so far. */
    public long preemptions() {
        return engine.preemptions();
    }

    /** Returns the prompt tokens looked up in the prefix cache so far, as {@code vllm:prefix_cache_queries}. */
    public long prefixCacheQueries() {
        return engine.prefixCacheQueries();
    }

    /** Returns the prompt tokens found in the prefix cache so far, as {@code vllm:prefix_cache_hits}. */
    public long prefixCacheHits() {
        return engine.prefixCacheHits();
    }

    /** Returns the number of engine steps so far. */
    public long steps() {
        return engine.steps();
    }

    Sequence sequence(SimulatedRequest request, SequenceListener listener) {
        return new Sequence(request.id(), request.loraAdapter() != null ? request.loraAdapter() : config.model(),
                            request.loraAdapter(), request.promptTokens(),
                            request.blockHashes(config.model(), config.blockSize()), request.outputTokens(),
                            "length", listener);
    }

    void routed() {
        outstanding++;
    }

    void finished() {
        outstanding--;
    }

    @Override
    public String toString() {
        return "SimulatedEngine{" + name + ", " + engine + '}';
    }
}

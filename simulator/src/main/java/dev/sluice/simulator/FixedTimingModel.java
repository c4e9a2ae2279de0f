package dev.sluice.simulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Gives every request the same time to first token and inter-token latency, stretched in proportion when more
 * requests run than fit one batch.
 *
 * <p>The stretch is a crude stand-in for a saturated GPU: a decode step of {@code 2 × batchSize} sequences takes
 * about twice as long. It matters only when {@link SimulatorConfig#maxNumSeqs()} exceeds the batch size; for load
 * that should slow the engine down the way a GPU does, choose a {@link SimulatorProfile} instead.
 */
public final class FixedTimingModel implements TimingModel {

    /** vLLM's {@code max_num_seqs} on GPUs smaller than an H100. */
    static final int DEFAULT_BATCH_SIZE = 256;

    /**
     * Returns a model with the timing of the given config and a batch of 256 sequences.
     */
    public static FixedTimingModel of(SimulatorConfig config) {
        requireNonNull(config, "config");
        return new FixedTimingModel(config.timeToFirstToken(), config.interTokenLatency(), DEFAULT_BATCH_SIZE);
    }

    private final Duration timeToFirstToken;
    private final Duration interTokenLatency;
    private final int batchSize;

    /**
     * Creates a model that stretches latency once more than {@code batchSize} requests run.
     */
    public FixedTimingModel(Duration timeToFirstToken, Duration interTokenLatency, int batchSize) {
        this.timeToFirstToken = requireNonNull(timeToFirstToken, "timeToFirstToken");
        this.interTokenLatency = requireNonNull(interTokenLatency, "interTokenLatency");
        if (timeToFirstToken.isNegative()) {
            throw new IllegalArgumentException("timeToFirstToken: " + timeToFirstToken + " (expected: >= 0)");
        }
        if (interTokenLatency.isNegative()) {
            throw new IllegalArgumentException("interTokenLatency: " + interTokenLatency + " (expected: >= 0)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize: " + batchSize + " (expected: >= 1)");
        }
        this.batchSize = batchSize;
    }

    @Override
    public Duration timeToFirstToken(GenerationRequest request, EngineSnapshot engine) {
        return stretch(timeToFirstToken, engine);
    }

    @Override
    public Duration interTokenLatency(GenerationRequest request, int tokenIndex, EngineSnapshot engine) {
        return stretch(interTokenLatency, engine);
    }

    private Duration stretch(Duration base, EngineSnapshot engine) {
        final int running = engine.runningRequests();
        if (running <= batchSize) {
            return base;
        }
        return Duration.ofNanos((long) (base.toNanos() * ((double) running / batchSize)));
    }

    @Override
    public String toString() {
        return "FixedTimingModel{ttft=" + timeToFirstToken + ", itl=" + interTokenLatency +
               ", batchSize=" + batchSize + '}';
    }
}

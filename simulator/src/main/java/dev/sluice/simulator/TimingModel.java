package dev.sluice.simulator;

import java.time.Duration;

/**
 * Gives fixed latencies to the steps of the simulated engine, given the state of the engine.
 *
 * <p>The engine runs in steps, each computing a batch of sequences. A step in which some sequences sample a token
 * lasts as long as the longest time this model gives for those tokens: {@link #timeToFirstToken} for a sequence
 * that completes its prompt (or its recompute after a preemption), {@link #interTokenLatency} for one that decodes.
 * A request alone on the engine therefore sees exactly these times; requests side by side share steps, so one that
 * completes its prompt holds up the tokens of those decoding beside it. A {@link SimulatorProfile} replaces this
 * with step times computed from the work of the step.
 *
 * <p>Implementations must be thread-safe and cheap: they are called on event loops, once per token.
 */
public interface TimingModel {

    /**
     * Returns the time of a step in which the given request completes its prompt and samples its first token.
     */
    Duration timeToFirstToken(GenerationRequest request, EngineSnapshot engine);

    /**
     * Returns the time of a step in which the given request decodes output token {@code tokenIndex} (0-based, so
     * {@code 1} is the step after the first token), that is, the gap after token {@code tokenIndex - 1}.
     */
    Duration interTokenLatency(GenerationRequest request, int tokenIndex, EngineSnapshot engine);
}

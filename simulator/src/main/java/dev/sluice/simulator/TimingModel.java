package dev.sluice.simulator;

import java.time.Duration;

/**
 * Decides when an admitted request emits its tokens, given the state of the simulated engine.
 *
 * <p>The engine asks once for the time to first token, when a request leaves the waiting queue, and then once per
 * further token for the gap before it, so that a model may slow decoding down as the batch or the KV cache fills.
 * Implementations must be thread-safe and cheap: they are called on event loops, once per token.
 *
 * <p>This is the seam for a step-driven continuous-batching engine (chunked prefill, preemption, virtual time)
 * that is to replace {@link FixedTimingModel}.
 */
public interface TimingModel {

    /**
     * Returns the time from admission to the first output token of the given request.
     */
    Duration timeToFirstToken(GenerationRequest request, EngineSnapshot engine);

    /**
     * Returns the gap between output token {@code tokenIndex - 1} and output token {@code tokenIndex}
     * (1-based: {@code 1} is the gap after the first token).
     */
    Duration interTokenLatency(GenerationRequest request, int tokenIndex, EngineSnapshot engine);
}

package dev.sluice.simulator.des;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Records what happened to one request of a {@link DiscreteEventSimulation}, in virtual time from the start of the
 * simulation.
 *
 * @param id the request's id
 * @param engine the name of the engine that served it
 * @param loraAdapter its LoRA adapter, or {@code null}
 * @param arrival when it arrived
 * @param admitted when the engine first admitted it (left the waiting queue)
 * @param firstToken when its first token was sampled
 * @param finished when its last token was sampled
 * @param promptTokens its prompt length
 * @param cachedTokens the prompt tokens found in the prefix cache at first admission
 * @param outputTokens the tokens it generated
 * @param preemptions how many times it was preempted and recomputed
 */
public record RequestRecord(String id, String engine, @Nullable String loraAdapter, Duration arrival,
                            Duration admitted, Duration firstToken, Duration finished, int promptTokens,
                            int cachedTokens, int outputTokens, int preemptions) {

    /** Returns the time to first token. */
    public Duration timeToFirstToken() {
        return firstToken.minus(arrival);
    }

    /** Returns the time from arrival to the last token. */
    public Duration endToEnd() {
        return finished.minus(arrival);
    }

    /** Returns the time from arrival to first admission, request overhead included. */
    public Duration queueTime() {
        return admitted.minus(arrival);
    }

    /**
     * Returns the mean time per output token after the first, {@code (finished − firstToken) / (outputTokens − 1)},
     * or zero for a single token.
     */
    public Duration timePerOutputToken() {
        return outputTokens <= 1 ? Duration.ZERO : finished.minus(firstToken).dividedBy(outputTokens - 1);
    }
}

package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.des.SimulatedRequest;

/**
 * One request of a workload plan: when it is due, its prompt as segments, its LoRA adapter and its output length.
 *
 * @param index the request's position in the plan, 0-based
 * @param id a unique id
 * @param arrivalNanos when it is due, from the start of the run (Poisson arrivals at the offered load)
 * @param segments the prompt, as the concatenation of these segments
 * @param adapter the LoRA adapter it runs on, or {@code null} for the base model
 * @param outputTokens the tokens it generates
 * @param after the id of the request that must finish before this one is sent (the previous turn of a
 *              conversation), or {@code null}; a request due before that one finishes is sent when it finishes
 */
public record PlannedRequest(int index, String id, long arrivalNanos, List<Segment> segments,
                             @Nullable String adapter, int outputTokens, @Nullable String after) {

    public PlannedRequest {
        requireNonNull(id, "id");
        segments = List.copyOf(segments);
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("segments: empty (expected: at least one)");
        }
        if (outputTokens < 1) {
            throw new IllegalArgumentException("outputTokens: " + outputTokens + " (expected: >= 1)");
        }
    }

    /** Returns the prompt length in simulator tokens. */
    public int promptTokens() {
        int n = 0;
        for (Segment s : segments) {
            n += s.tokenCount();
        }
        return n;
    }

    /** Returns the prompt text, the segments concatenated. */
    public String prompt() {
        final StringBuilder b = new StringBuilder(promptTokens() * 4);
        for (Segment s : segments) {
            b.append(s.text());
        }
        return b.toString();
    }

    /** Returns the simulator request for this plan entry, arriving at {@code arrival}. */
    public SimulatedRequest toSimulated(Duration arrival) {
        final SimulatedRequest.Builder b = SimulatedRequest.builder(id, arrival).outputTokens(outputTokens)
                                                           .loraAdapter(adapter);
        for (Segment s : segments) {
            b.tokens(s.tokens());
        }
        return b.build();
    }
}

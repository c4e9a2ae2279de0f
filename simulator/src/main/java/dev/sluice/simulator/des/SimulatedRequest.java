package dev.sluice.simulator.des;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.SimulatedTokenizer;
import dev.sluice.simulator.internal.BlockHashes;

/**
 * Describes one request of a {@link DiscreteEventSimulation}: when it arrives, its prompt as token ids, its LoRA
 * adapter and how many tokens it generates.
 *
 * <p>A prompt may be given as several token segments, such as a shared system prompt and a question, which count as
 * their concatenation but are neither concatenated nor copied: many requests can share one large segment. The
 * arrays must not change afterwards.
 */
public final class SimulatedRequest {

    /**
     * Returns a new {@link Builder} of a request with the given id arriving at the given virtual time.
     */
    public static Builder builder(String id, Duration arrival) {
        return new Builder(id, arrival);
    }

    private final String id;
    private final Duration arrival;
    private final long arrivalNanos;
    private final List<int[]> segments;
    private final int promptTokens;
    private final @Nullable String loraAdapter;
    private final int outputTokens;
    // The block hashes of the last (model, adapter, block size) asked for; engines usually share them.
    private long @Nullable [] hashes;
    private long hashesKey;
    private int hashesBlockSize;

    private SimulatedRequest(Builder builder) {
        id = builder.id;
        arrival = builder.arrival;
        arrivalNanos = arrival.toNanos();
        segments = List.copyOf(builder.segments);
        long tokens = 0;
        for (int[] segment : segments) {
            tokens += segment.length;
        }
        if (tokens < 1 || tokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("prompt: " + tokens + " tokens (expected: 1.." +
                                               Integer.MAX_VALUE + ')');
        }
        promptTokens = (int) tokens;
        loraAdapter = builder.loraAdapter;
        outputTokens = builder.outputTokens;
    }

    /** Returns the request's id, as given. */
    public String id() {
        return id;
    }

    /** Returns the virtual time of arrival, from the start of the simulation. */
    public Duration arrival() {
        return arrival;
    }

    long arrivalNanos() {
        return arrivalNanos;
    }

    /** Returns the prompt's token segments, whose concatenation is the prompt. */
    public List<int[]> segments() {
        return segments;
    }

    /** Returns the prompt length in tokens. */
    public int promptTokens() {
        return promptTokens;
    }

    /** Returns the LoRA adapter the request runs on, or {@code null} for the base model. */
    public @Nullable String loraAdapter() {
        return loraAdapter;
    }

    /** Returns the number of tokens the request generates. */
    public int outputTokens() {
        return outputTokens;
    }

    /** Returns the prefix-cache keys of the prompt's full blocks on an engine of the given model and block size. */
    long[] blockHashes(String model, int blockSize) {
        final long key = BlockHashes.seed(model, loraAdapter);
        long[] hashes = this.hashes;
        if (hashes == null || hashesKey != key || hashesBlockSize != blockSize) {
            hashes = BlockHashes.of(segments, blockSize, key);
            this.hashes = hashes;
            hashesKey = key;
            hashesBlockSize = blockSize;
        }
        return hashes;
    }

    @Override
    public String toString() {
        return "SimulatedRequest{" + id + ", arrival=" + arrival + ", prompt=" + promptTokens +
               (loraAdapter != null ? ", lora=" + loraAdapter : "") + ", output=" + outputTokens + '}';
    }

    /**
     * Builds a {@link SimulatedRequest}.
     */
    public static final class Builder {

        private final String id;
        private final Duration arrival;
        private final List<int[]> segments = new ArrayList<>();
        private @Nullable String loraAdapter;
        private int outputTokens = 16;

        private Builder(String id, Duration arrival) {
            this.id = requireNonNull(id, "id");
            this.arrival = requireNonNull(arrival, "arrival");
            if (arrival.isNegative()) {
                throw new IllegalArgumentException("arrival: " + arrival + " (expected: >= 0)");
            }
        }

        /**
         * Appends token ids to the prompt, without copying them.
         */
        public Builder tokens(int[] tokenIds) {
            segments.add(requireNonNull(tokenIds, "tokenIds"));
            return this;
        }

        /**
         * Appends text to the prompt, as {@link SimulatedTokenizer} encodes it.
         */
        public Builder text(String text) {
            segments.add(SimulatedTokenizer.encode(requireNonNull(text, "text")));
            return this;
        }

        /**
         * Runs the request on the given LoRA adapter. Default: the base model.
         */
        public Builder loraAdapter(@Nullable String loraAdapter) {
            if (loraAdapter != null && loraAdapter.isBlank()) {
                throw new IllegalArgumentException("loraAdapter: '" + loraAdapter + "' (expected: a non-blank name)");
            }
            this.loraAdapter = loraAdapter;
            return this;
        }

        /**
         * Sets the number of tokens to generate. Default: 16.
         */
        public Builder outputTokens(int outputTokens) {
            if (outputTokens < 1) {
                throw new IllegalArgumentException("outputTokens: " + outputTokens + " (expected: >= 1)");
            }
            this.outputTokens = outputTokens;
            return this;
        }

        /**
         * Returns a new {@link SimulatedRequest}.
         *
         * @throws IllegalArgumentException if the prompt is empty
         */
        public SimulatedRequest build() {
            return new SimulatedRequest(this);
        }
    }
}

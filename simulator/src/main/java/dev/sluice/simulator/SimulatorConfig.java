package dev.sluice.simulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Describes one simulated model server: the model and LoRA adapters it serves, its timing, its KV cache and its
 * scheduler limits.
 *
 * <p>Without a {@link #profile()}, every step of the engine takes the fixed {@link #timeToFirstToken()} or
 * {@link #interTokenLatency()} (see {@link FixedTimingModel}); with one, steps take the time the profile computes
 * from their work.
 *
 * @param model the base model name, served as the first entry of {@code /v1/models}
 * @param loraAdapters the LoRA adapter names served on top of {@code model}
 * @param timeToFirstToken the time of the step that computes a prompt's last tokens (fixed timing only)
 * @param interTokenLatency the time of a step that decodes (fixed timing only)
 * @param outputTokens how many tokens a request generates unless {@code max_tokens} asks for fewer
 * @param seed the seed of the deterministic output text and of step-time jitter
 * @param maxLoras how many distinct LoRA adapters may run at once, like vLLM's {@code --max-loras}
 * @param kvCacheBlocks the number of KV cache blocks, like vLLM's {@code num_gpu_blocks}
 * @param blockSize the number of tokens per KV cache block
 * @param maxNumSeqs the most sequences running at once, like vLLM's {@code --max-num-seqs}
 * @param maxNumBatchedTokens the token budget of one engine step, like vLLM's {@code --max-num-batched-tokens}
 * @param profile the hardware profile that times engine steps, or {@code null} for fixed timing
 * @param timeCompression how much faster than real time a served engine runs ({@code 10} makes a 40 ms step take
 *                        4 ms); latencies in {@code /metrics} stay in engine time
 */
public record SimulatorConfig(String model, List<String> loraAdapters, Duration timeToFirstToken,
                              Duration interTokenLatency, int outputTokens, long seed, int maxLoras,
                              int kvCacheBlocks, int blockSize, int maxNumSeqs, int maxNumBatchedTokens,
                              @Nullable SimulatorProfile profile, double timeCompression) {

    static final int DEFAULT_KV_CACHE_BLOCKS = 8192;
    static final int DEFAULT_MAX_NUM_SEQS = 256;
    static final int DEFAULT_MAX_NUM_BATCHED_TOKENS = 8192;

    public SimulatorConfig {
        requireNonNull(model, "model");
        if (model.isBlank()) {
            throw new IllegalArgumentException("model: '" + model + "' (expected: a non-blank name)");
        }
        loraAdapters = List.copyOf(requireNonNull(loraAdapters, "loraAdapters"));
        final Set<String> seen = new HashSet<>();
        seen.add(model);
        for (String adapter : loraAdapters) {
            if (adapter.isBlank()) {
                throw new IllegalArgumentException(
                        "loraAdapters: " + loraAdapters + " (expected: non-blank names)");
            }
            if (!seen.add(adapter)) {
                throw new IllegalArgumentException("loraAdapters: " + loraAdapters +
                                                   " (expected: distinct names, none equal to the model)");
            }
        }
        requireNonNull(timeToFirstToken, "timeToFirstToken");
        if (timeToFirstToken.isNegative()) {
            throw new IllegalArgumentException("timeToFirstToken: " + timeToFirstToken + " (expected: >= 0)");
        }
        requireNonNull(interTokenLatency, "interTokenLatency");
        if (interTokenLatency.isNegative()) {
            throw new IllegalArgumentException("interTokenLatency: " + interTokenLatency + " (expected: >= 0)");
        }
        if (outputTokens < 1) {
            throw new IllegalArgumentException("outputTokens: " + outputTokens + " (expected: >= 1)");
        }
        if (maxLoras < 1) {
            throw new IllegalArgumentException("maxLoras: " + maxLoras + " (expected: >= 1)");
        }
        if (kvCacheBlocks < 1) {
            throw new IllegalArgumentException("kvCacheBlocks: " + kvCacheBlocks + " (expected: >= 1)");
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize: " + blockSize + " (expected: >= 1)");
        }
        if (maxNumSeqs < 1) {
            throw new IllegalArgumentException("maxNumSeqs: " + maxNumSeqs + " (expected: >= 1)");
        }
        if (maxNumBatchedTokens < 1) {
            throw new IllegalArgumentException("maxNumBatchedTokens: " + maxNumBatchedTokens + " (expected: >= 1)");
        }
        if (!(timeCompression >= 0.001 && timeCompression <= 1_000_000)) {
            throw new IllegalArgumentException("timeCompression: " + timeCompression +
                                               " (expected: 0.001..1000000)");
        }
    }

    /**
     * Creates a config with fixed timing, vLLM's default scheduler limits and real time, as before profiles existed.
     */
    public SimulatorConfig(String model, List<String> loraAdapters, Duration timeToFirstToken,
                           Duration interTokenLatency, int outputTokens, long seed, int maxLoras,
                           int kvCacheBlocks, int blockSize) {
        this(model, loraAdapters, timeToFirstToken, interTokenLatency, outputTokens, seed, maxLoras, kvCacheBlocks,
             blockSize, DEFAULT_MAX_NUM_SEQS, DEFAULT_MAX_NUM_BATCHED_TOKENS, null, 1);
    }

    /**
     * Returns the longest prompt plus output one request may have: the whole KV cache, as vLLM's
     * {@code max_model_len} may not exceed it.
     */
    public long maxModelLength() {
        return (long) kvCacheBlocks * blockSize;
    }

    /**
     * Returns a new {@link Builder} for a server of the given base model, with vLLM-like defaults and fixed timing.
     */
    public static Builder builder(String model) {
        return new Builder(model);
    }

    /**
     * Builds a {@link SimulatorConfig}.
     */
    public static final class Builder {

        private final String model;
        private List<String> loraAdapters = List.of();
        private Duration timeToFirstToken = Duration.ofMillis(50);
        private Duration interTokenLatency = Duration.ofMillis(10);
        private int outputTokens = 16;
        private long seed = 42;
        private int maxLoras = 4;
        private @Nullable Integer kvCacheBlocks;
        private int blockSize = 16;
        private @Nullable Integer maxNumSeqs;
        private @Nullable Integer maxNumBatchedTokens;
        private @Nullable SimulatorProfile profile;
        private double timeCompression = 1;

        private Builder(String model) {
            this.model = requireNonNull(model, "model");
        }

        /**
         * Sets the LoRA adapters served on top of the base model. Default: none.
         */
        public Builder loraAdapters(List<String> loraAdapters) {
            this.loraAdapters = requireNonNull(loraAdapters, "loraAdapters");
            return this;
        }

        /**
         * Sets the time of a step that completes a prompt, with fixed timing. Default: 50 ms.
         */
        public Builder timeToFirstToken(Duration timeToFirstToken) {
            this.timeToFirstToken = requireNonNull(timeToFirstToken, "timeToFirstToken");
            return this;
        }

        /**
         * Sets the time of a decode step, with fixed timing. Default: 10 ms.
         */
        public Builder interTokenLatency(Duration interTokenLatency) {
            this.interTokenLatency = requireNonNull(interTokenLatency, "interTokenLatency");
            return this;
        }

        /**
         * Sets how many tokens a request generates unless it asks for fewer. Default: 16.
         */
        public Builder outputTokens(int outputTokens) {
            this.outputTokens = outputTokens;
            return this;
        }

        /**
         * Sets the seed of the deterministic output text and of step-time jitter. Default: 42.
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets how many distinct LoRA adapters may run at once. Default: 4.
         */
        public Builder maxLoras(int maxLoras) {
            this.maxLoras = maxLoras;
            return this;
        }

        /**
         * Sets the number of KV cache blocks. Default: the profile's, or 8192.
         */
        public Builder kvCacheBlocks(int kvCacheBlocks) {
            this.kvCacheBlocks = kvCacheBlocks;
            return this;
        }

        /**
         * Sets the number of tokens per KV cache block. Default: 16, as in vLLM.
         */
        public Builder blockSize(int blockSize) {
            this.blockSize = blockSize;
            return this;
        }

        /**
         * Sets the most sequences running at once. Default: the profile's, or 256.
         */
        public Builder maxNumSeqs(int maxNumSeqs) {
            this.maxNumSeqs = maxNumSeqs;
            return this;
        }

        /**
         * Sets the token budget of one engine step. Default: the profile's, or 8192.
         */
        public Builder maxNumBatchedTokens(int maxNumBatchedTokens) {
            this.maxNumBatchedTokens = maxNumBatchedTokens;
            return this;
        }

        /**
         * Times engine steps with the given hardware profile instead of fixed latencies, and takes its KV cache
         * size and scheduler limits unless they are set explicitly. Default: none (fixed timing).
         */
        public Builder profile(SimulatorProfile profile) {
            this.profile = requireNonNull(profile, "profile");
            return this;
        }

        /**
         * Sets how much faster than real time a served engine runs. Default: 1.
         */
        public Builder timeCompression(double timeCompression) {
            this.timeCompression = timeCompression;
            return this;
        }

        /**
         * Returns a new {@link SimulatorConfig}, validating every value.
         */
        public SimulatorConfig build() {
            final SimulatorProfile profile = this.profile;
            final int blocks = kvCacheBlocks != null ? kvCacheBlocks
                                                     : profile != null ? profile.kvCacheBlocks()
                                                                       : DEFAULT_KV_CACHE_BLOCKS;
            final int seqs = maxNumSeqs != null ? maxNumSeqs
                                                : profile != null ? profile.maxNumSeqs() : DEFAULT_MAX_NUM_SEQS;
            final int batched = maxNumBatchedTokens != null ? maxNumBatchedTokens
                                                            : profile != null ? profile.maxNumBatchedTokens()
                                                                              : DEFAULT_MAX_NUM_BATCHED_TOKENS;
            return new SimulatorConfig(model, loraAdapters, timeToFirstToken, interTokenLatency, outputTokens,
                                       seed, maxLoras, blocks, blockSize, seqs, batched, profile, timeCompression);
        }
    }
}

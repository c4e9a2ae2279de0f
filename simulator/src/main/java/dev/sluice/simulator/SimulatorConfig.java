package dev.sluice.simulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Describes one simulated model server: the model and LoRA adapters it serves, its timing and its KV cache.
 *
 * @param model the base model name, served as the first entry of {@code /v1/models}
 * @param loraAdapters the LoRA adapter names served on top of {@code model}
 * @param timeToFirstToken the time from admission to the first output token
 * @param interTokenLatency the time between two output tokens
 * @param outputTokens how many tokens a request generates unless {@code max_tokens} asks for fewer
 * @param seed the seed of the deterministic output text
 * @param maxLoras how many distinct LoRA adapters may run at once, like vLLM's {@code --max-loras}
 * @param kvCacheBlocks the number of KV cache blocks, like vLLM's {@code num_gpu_blocks}
 * @param blockSize the number of tokens per KV cache block
 */
public record SimulatorConfig(String model, List<String> loraAdapters, Duration timeToFirstToken,
                              Duration interTokenLatency, int outputTokens, long seed, int maxLoras,
                              int kvCacheBlocks, int blockSize) {

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
    }

    /**
     * Returns a new {@link Builder} for a server of the given base model, with vLLM-like defaults.
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
        private int kvCacheBlocks = 8192;
        private int blockSize = 16;

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
         * Sets the time from admission to the first output token. Default: 50 ms.
         */
        public Builder timeToFirstToken(Duration timeToFirstToken) {
            this.timeToFirstToken = requireNonNull(timeToFirstToken, "timeToFirstToken");
            return this;
        }

        /**
         * Sets the time between two output tokens. Default: 10 ms.
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
         * Sets the seed of the deterministic output text. Default: 42.
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
         * Sets the number of KV cache blocks. Default: 8192.
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
         * Returns a new {@link SimulatorConfig}, validating every value.
         */
        public SimulatorConfig build() {
            return new SimulatorConfig(model, loraAdapters, timeToFirstToken, interTokenLatency, outputTokens,
                                       seed, maxLoras, kvCacheBlocks, blockSize);
        }
    }
}

package dev.sluice.simulator.internal;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.SimulatedTokenizer;

/**
 * One prompt of a request, either text or token ids; text becomes tokens with {@link SimulatedTokenizer}: one
 * token per four bytes of UTF-8, at least one.
 */
final class Prompt {

    static Prompt ofText(String text) {
        return new Prompt(text, null);
    }

    static Prompt ofTokens(int[] tokenIds) {
        return new Prompt(null, tokenIds);
    }

    private final @Nullable String text;
    private final int @Nullable [] tokenIds;

    private Prompt(@Nullable String text, int @Nullable [] tokenIds) {
        this.text = text;
        this.tokenIds = tokenIds;
    }

    int tokens() {
        final int[] tokenIds = this.tokenIds;
        if (tokenIds != null) {
            return tokenIds.length;
        }
        assert text != null;
        return SimulatedTokenizer.count(text);
    }

    int[] tokenIds() {
        final int[] tokenIds = this.tokenIds;
        if (tokenIds != null) {
            return tokenIds;
        }
        assert text != null;
        return SimulatedTokenizer.encode(text);
    }

    /**
     * Returns the chained hashes of the prompt's full blocks, see {@link BlockHashes}.
     */
    long[] blockHashes(int blockSize, long seed) {
        return BlockHashes.of(tokenIds(), blockSize, seed);
    }

    /** Seeds the output text: equal prompts give equal text. */
    long contentHash() {
        final int[] tokenIds = this.tokenIds;
        if (tokenIds != null) {
            return Arrays.hashCode(tokenIds);
        }
        assert text != null;
        return text.hashCode();
    }

    // The finalizer of SplitMix64.
    static long mix(long z) {
        return BlockHashes.mix(z);
    }
}

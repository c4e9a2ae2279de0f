package dev.sluice.simulator.internal;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Computes the prefix-cache keys of a prompt: one chained hash per full block of tokens, as vLLM's prefix cache
 * keys its KV blocks.
 *
 * <p>Block {@code i}'s hash covers its own tokens and its parent's hash, so it stands for the whole prefix up to
 * the end of the block, and two prompts share a block hash only if they share everything before it. The chain
 * starts from a seed of the model and LoRA adapter names, because an adapter never shares KV with the base model or
 * another adapter. The partial last block has no hash: only full blocks are cached.
 */
public final class BlockHashes {

    private static final long FNV_PRIME = 0x100000001B3L;
    private static final long FNV_OFFSET = 0xCBF29CE484222325L;

    private BlockHashes() {}

    /**
     * Returns the hash that block 0 of a prompt for the given model and adapter chains from.
     */
    public static long seed(String model, @Nullable String loraAdapter) {
        long h = FNV_OFFSET;
        for (int i = 0; i < model.length(); i++) {
            h = (h ^ model.charAt(i)) * FNV_PRIME;
        }
        h = mix(h);
        if (loraAdapter != null) {
            h ^= 0x9E3779B97F4A7C15L;
            for (int i = 0; i < loraAdapter.length(); i++) {
                h = (h ^ loraAdapter.charAt(i)) * FNV_PRIME;
            }
        }
        return mix(h);
    }

    /**
     * Returns the chained hashes of the full blocks of the given tokens.
     */
    public static long[] of(int[] tokens, int blockSize, long seed) {
        return of(List.of(tokens), blockSize, seed);
    }

    /**
     * Returns the chained hashes of the full blocks of the concatenation of the given token segments, without
     * concatenating them.
     */
    public static long[] of(List<int[]> segments, int blockSize, long seed) {
        long tokens = 0;
        for (int[] segment : segments) {
            tokens += segment.length;
        }
        final long[] hashes = new long[(int) (tokens / blockSize)];
        long parent = seed;
        long h = parent;
        int inBlock = 0;
        int block = 0;
        outer:
        for (int[] segment : segments) {
            for (int token : segment) {
                h = (h ^ token) * FNV_PRIME;
                if (++inBlock == blockSize) {
                    parent = mix(h ^ parent);
                    hashes[block++] = parent;
                    if (block == hashes.length) {
                        break outer;
                    }
                    h = parent;
                    inBlock = 0;
                }
            }
        }
        return hashes;
    }

    // The finalizer of SplitMix64, so that neighbouring blocks get unrelated hashes.
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package dev.sluice.simulator.internal;

import java.util.Arrays;

/**
 * One prompt of a request, either text or token ids, with an approximate token count.
 *
 * <p>There is no tokenizer: text counts as one token per four characters (at least one), which is close to
 * what BPE tokenizers give for English.
 */
final class Prompt {

    static final int CHARS_PER_TOKEN = 4;

    static Prompt ofText(String text) {
        return new Prompt(text, null);
    }

    static Prompt ofTokens(int[] tokenIds) {
        return new Prompt(null, tokenIds);
    }

    private final String text;
    private final int[] tokenIds;

    private Prompt(String text, int[] tokenIds) {
        this.text = text;
        this.tokenIds = tokenIds;
    }

    int tokens() {
        if (tokenIds != null) {
            return tokenIds.length;
        }
        return Math.max(1, (text.length() + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);
    }

    /**
     * Returns the chained hashes of the prompt's full blocks of {@code blockSize} tokens: each hash covers its
     * block and, through its parent, everything before it, as vLLM's prefix cache keys do. The salt keeps
     * different LoRA adapters apart, since they never share KV.
     */
    long[] blockHashes(int blockSize, long salt) {
        final int unitsPerBlock = tokenIds != null ? blockSize : blockSize * CHARS_PER_TOKEN;
        final int units = tokenIds != null ? tokenIds.length : text.length();
        final long[] hashes = new long[units / unitsPerBlock];
        long parent = mix(salt ^ 0x9E3779B97F4A7C15L);
        for (int block = 0; block < hashes.length; block++) {
            long h = parent;
            final int start = block * unitsPerBlock;
            for (int i = start; i < start + unitsPerBlock; i++) {
                h = h * 31 + (tokenIds != null ? tokenIds[i] : text.charAt(i));
            }
            parent = mix(h);
            hashes[block] = parent;
        }
        return hashes;
    }

    /** Seeds the output text: equal prompts give equal text. */
    long contentHash() {
        return tokenIds != null ? Arrays.hashCode(tokenIds) : text.hashCode();
    }

    // The finalizer of SplitMix64, so that neighbouring blocks get unrelated hashes.
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

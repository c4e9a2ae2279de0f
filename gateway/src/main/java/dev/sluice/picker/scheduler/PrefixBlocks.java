package dev.sluice.picker.scheduler;

import java.util.Arrays;

/**
 * The chained hashes of a prompt's full blocks, as {@link BlockHasher} computed them: hash {@code i} stands for the
 * whole prompt up to the end of block {@code i}, so two prompts share hash {@code i} exactly when they share their
 * first {@code i + 1} blocks (and model).
 */
public final class PrefixBlocks {

    /** No blocks: a prompt shorter than one block, or prefix affinity turned off. */
    public static final PrefixBlocks NONE = new PrefixBlocks(new long[0], 0);

    private final long[] hashes;
    private final int blockTokens;

    PrefixBlocks(long[] hashes, int blockTokens) {
        this.hashes = hashes;
        this.blockTokens = blockTokens;
    }

    /** Returns the number of full blocks hashed. */
    public int count() {
        return hashes.length;
    }

    /** Returns the hash of block {@code i}, which covers the prompt from its start to the end of that block. */
    public long hash(int i) {
        return hashes[i];
    }

    /** Returns the tokens one block stands for (estimated at four characters a token for character blocks). */
    public int blockTokens() {
        return blockTokens;
    }

    long[] hashes() {
        return hashes;
    }

    @Override
    public String toString() {
        return "PrefixBlocks{count=" + hashes.length + ", blockTokens=" + blockTokens +
               (hashes.length > 0 ? ", first=" + Long.toHexString(hashes[0]) : "") + '}';
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrefixBlocks b && blockTokens == b.blockTokens && Arrays.equals(hashes, b.hashes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hashes) * 31 + blockTokens;
    }
}

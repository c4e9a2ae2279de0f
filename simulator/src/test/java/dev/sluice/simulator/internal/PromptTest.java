package dev.sluice.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromptTest {

    @Test
    void countsFourCharactersPerTokenAndAtLeastOne() {
        assertThat(Prompt.ofText("").tokens()).isEqualTo(1);
        assertThat(Prompt.ofText("abcd").tokens()).isEqualTo(1);
        assertThat(Prompt.ofText("abcde").tokens()).isEqualTo(2);
        assertThat(Prompt.ofTokens(new int[] { 1, 2, 3 }).tokens()).isEqualTo(3);
    }

    @Test
    void hashesOnlyFullBlocksChainedOnTheirPrefix() {
        final long[] hashes = Prompt.ofText("a".repeat(64 * 2 + 10)).blockHashes(16, 0);
        assertThat(hashes).hasSize(2);
        // Equal blocks at different positions differ, because each hash covers everything before it.
        assertThat(hashes[0]).isNotEqualTo(hashes[1]);
        // A shared first block gives a shared first hash, and nothing after a difference matches.
        final long[] other = Prompt.ofText("a".repeat(64) + "b" + "a".repeat(63)).blockHashes(16, 0);
        assertThat(other[0]).isEqualTo(hashes[0]);
        assertThat(other[1]).isNotEqualTo(hashes[1]);
        // A different salt (LoRA adapter) shares nothing.
        assertThat(Prompt.ofText("a".repeat(64)).blockHashes(16, 7)[0]).isNotEqualTo(hashes[0]);
        assertThat(Prompt.ofTokens(new int[16]).blockHashes(16, 0)).hasSize(1);
    }

    @Test
    void prefixCacheCountsLeadingHitsAndEvictsLeastRecentlyUsed() {
        final PrefixCache cache = new PrefixCache(3);
        assertThat(cache.lookUpAndInsert(new long[] { 1, 2 })).isZero();
        assertThat(cache.lookUpAndInsert(new long[] { 1, 2, 3 })).isEqualTo(2);
        assertThat(cache.lookUpAndInsert(new long[] { 9, 2 })).isZero(); // only leading blocks count
        // 1 was least recently used when 9 came in.
        assertThat(cache.lookUpAndInsert(new long[] { 1 })).isZero();
    }
}

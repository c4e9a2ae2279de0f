package dev.sluice.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromptTest {

    private static final long SEED = BlockHashes.seed("m", null);

    @Test
    void countsFourBytesPerTokenAndAtLeastOne() {
        assertThat(Prompt.ofText("").tokens()).isEqualTo(1);
        assertThat(Prompt.ofText("abcd").tokens()).isEqualTo(1);
        assertThat(Prompt.ofText("abcde").tokens()).isEqualTo(2);
        assertThat(Prompt.ofText("é").tokens()).isEqualTo(1); // 2 bytes
        assertThat(Prompt.ofText("ééé").tokens()).isEqualTo(2); // 6 bytes
        assertThat(Prompt.ofTokens(new int[] { 1, 2, 3 }).tokens()).isEqualTo(3);
        assertThat(Prompt.ofText("ééé").tokenIds()).hasSize(2);
    }

    @Test
    void hashesOnlyFullBlocksChainedOnTheirPrefix() {
        final long[] hashes = Prompt.ofText("a".repeat(64 * 2 + 10)).blockHashes(16, SEED);
        assertThat(hashes).hasSize(2);
        // Equal blocks at different positions differ, because each hash covers everything before it.
        assertThat(hashes[0]).isNotEqualTo(hashes[1]);
        // A shared first block gives a shared first hash, and nothing after a difference matches.
        final long[] other = Prompt.ofText("a".repeat(64) + "b" + "a".repeat(63)).blockHashes(16, SEED);
        assertThat(other[0]).isEqualTo(hashes[0]);
        assertThat(other[1]).isNotEqualTo(hashes[1]);
        // A different adapter shares nothing.
        assertThat(Prompt.ofText("a".repeat(64)).blockHashes(16, BlockHashes.seed("m", "lora"))[0])
                .isNotEqualTo(hashes[0]);
        assertThat(Prompt.ofTokens(new int[16]).blockHashes(16, SEED)).hasSize(1);
    }

    @Test
    void hashesSegmentsAsTheirConcatenation() {
        final int[] whole = new int[40];
        for (int i = 0; i < whole.length; i++) {
            whole[i] = i * 7;
        }
        final int[] head = java.util.Arrays.copyOfRange(whole, 0, 5);
        final int[] tail = java.util.Arrays.copyOfRange(whole, 5, 40);
        assertThat(BlockHashes.of(java.util.List.of(head, tail), 16, SEED))
                .containsExactly(BlockHashes.of(whole, 16, SEED));
    }
}

package dev.sluice.picker.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class PrefixIndexTest {

    private static final BlockHasher HASHER = BlockHasher.characters(64, 1024);

    private static PrefixBlocks blocks(String shared, int sharedBlocks, String own, int ownBlocks) {
        return HASHER.hash("m", BlockHasherTest.text(sharedBlocks * 64, shared.charAt(0)) +
                                BlockHasherTest.text(ownBlocks * 64, own.charAt(0)));
    }

    @Test
    void matchesLeadingBlocksPerEndpoint() {
        final PrefixIndex index = new PrefixIndex();
        final PrefixBlocks sent = blocks("s", 10, "a", 5);
        index.record(sent, "a:1", 0);
        index.record(blocks("s", 10, "b", 5), "b:1", 0);
        final PrefixBlocks asked = blocks("s", 10, "a", 7); // 15 blocks held by a:1, 10 by b:1
        assertThat(index.match(asked, List.of("a:1", "b:1", "c:1"))).containsExactly(15, 10, 0);
        assertThat(index.match(blocks("x", 3, "y", 1), List.of("a:1", "b:1"))).containsExactly(0, 0);
        assertThat(index.match(PrefixBlocks.NONE, List.of("a:1"))).containsExactly(0);
        assertThat(index.blockCount()).isEqualTo(20);
        assertThat(index.nodeCount()).isEqualTo(30);
    }

    @Test
    void evictsLeastRecentlyUsedAtCapacityChainEndsFirst() {
        final PrefixIndex index = new PrefixIndex();
        // Capacity of 8 blocks of 16 tokens.
        index.record(blocks("a", 6, "a", 0), "e:1", 8 * 16);
        index.record(blocks("b", 4, "b", 0), "e:1", 8 * 16);
        assertThat(index.blockCount("e:1")).isEqualTo(8);
        // The first chain lost its last two blocks, not its first two: its prefix still matches.
        assertThat(index.match(blocks("a", 6, "a", 0), List.of("e:1"))).containsExactly(4);
        assertThat(index.match(blocks("b", 4, "b", 0), List.of("e:1"))).containsExactly(4);
        // Touching chain a makes chain b the older one.
        index.record(blocks("a", 4, "a", 0), "e:1", 8 * 16);
        index.record(blocks("c", 2, "c", 0), "e:1", 8 * 16);
        assertThat(index.match(blocks("a", 6, "a", 0), List.of("e:1"))).containsExactly(4);
        assertThat(index.match(blocks("b", 4, "b", 0), List.of("e:1"))).containsExactly(2);
    }

    @Test
    void recordsOnTheWriterExecutor() {
        final List<Runnable> tasks = new ArrayList<>();
        final PrefixIndex index = new PrefixIndex(tasks::add);
        index.record(blocks("a", 3, "a", 0), "a:1", 0);
        index.record(PrefixBlocks.NONE, "a:1", 0); // nothing to record, nothing queued
        assertThat(tasks).hasSize(1);
        assertThat(index.match(blocks("a", 3, "a", 0), List.of("a:1"))).containsExactly(0);
        tasks.forEach(Runnable::run);
        assertThat(index.match(blocks("a", 3, "a", 0), List.of("a:1"))).containsExactly(3);
    }

    @Test
    void removesEndpointsAndReusesTheirSlots() {
        final PrefixIndex index = new PrefixIndex();
        index.record(blocks("a", 3, "a", 0), "a:1", 0);
        index.record(blocks("a", 3, "a", 0), "b:1", 0);
        index.retainOnly(List.of("b:1"));
        assertThat(index.match(blocks("a", 3, "a", 0), List.of("a:1", "b:1"))).containsExactly(0, 3);
        index.record(blocks("c", 2, "c", 0), "c:1", 0); // takes a:1's old slot
        assertThat(index.match(blocks("a", 3, "a", 0), List.of("c:1", "b:1"))).containsExactly(0, 3);
        index.remove("b:1");
        assertThat(index.blockCount()).isEqualTo(2);
    }

    @Test
    void bisectionAgreesWithAWalkOverEveryBlock() {
        // Many endpoints (more than 64, so bit sets span words), shared prefixes of random depth, small capacities.
        final SplittableRandom random = new SplittableRandom(42);
        final PrefixIndex index = new PrefixIndex();
        final List<String> endpoints = new ArrayList<>();
        for (int i = 0; i < 70; i++) {
            endpoints.add("127.0.1." + i + ":8000");
        }
        final List<PrefixBlocks> prompts = new ArrayList<>();
        for (int round = 0; round < 600; round++) {
            final PrefixBlocks p = blocks(String.valueOf((char) ('a' + random.nextInt(5))), 1 + random.nextInt(20),
                                          String.valueOf((char) ('a' + random.nextInt(26))), random.nextInt(10));
            prompts.add(p);
            index.record(p, endpoints.get(random.nextInt(endpoints.size())), (20 + random.nextInt(40)) * 16L);
        }
        for (PrefixBlocks p : prompts.subList(500, 600)) {
            final int[] bisected = index.match(p, endpoints);
            for (int e = 0; e < endpoints.size(); e++) {
                final int[] one = index.match(p, List.of(endpoints.get(e)));
                assertThat(bisected[e]).isEqualTo(one[0]).isEqualTo(linear(index, p, endpoints.get(e)));
            }
        }
    }

    // Walks the blocks one by one, asking for each prefix whether the endpoint holds its last block.
    private static int linear(PrefixIndex index, PrefixBlocks p, String endpoint) {
        int n = 0;
        for (int i = 0; i < p.count(); i++) {
            final long[] one = { p.hash(i) };
            if (index.match(new PrefixBlocks(one, p.blockTokens()), List.of(endpoint))[0] == 0) {
                break;
            }
            n++;
        }
        return n;
    }
}

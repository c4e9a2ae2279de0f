package dev.sluice.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.SimulatorConfig;

/**
 * Checks the engine's KV, prefix-cache, preemption, chunking and LoRA accounting against cases computed by hand.
 * Every step lasts 1 ms unless said otherwise; blocks hold 16 tokens.
 */
class BatchingEngineTest {

    private static final long MS = 1_000_000;

    private final List<String> events = new ArrayList<>();
    private long now;
    private int tokenSeed;

    private BatchingEngine engine(SimulatorConfig.Builder config) {
        return new BatchingEngine(config.build(), plan -> MS, new SequenceListener() {
            @Override
            public void admitted(Sequence sequence, int cachedTokens, long nowNanos) {
                events.add(sequence.id() + " admitted cached=" + cachedTokens);
            }

            @Override
            public void preempted(Sequence sequence, long nowNanos) {
                events.add(sequence.id() + " preempted");
            }

            @Override
            public void finished(Sequence sequence, long nowNanos) {
                events.add(sequence.id() + (sequence.aborted() ? " aborted" : " finished"));
            }
        });
    }

    /** Returns distinct token ids, so that prompts made by separate calls share no block. */
    private int[] tokens(int count) {
        final int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = tokenSeed++;
        }
        return ids;
    }

    private static int[] concat(int[] a, int[] b) {
        final int[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    private Sequence add(BatchingEngine engine, String id, int[] prompt, int maxTokens) {
        return add(engine, id, null, prompt, maxTokens);
    }

    private Sequence add(BatchingEngine engine, String id, @Nullable String lora, int[] prompt, int maxTokens) {
        final Sequence sequence = new Sequence(id, lora != null ? lora : "m", lora, prompt.length,
                                               BlockHashes.of(prompt, 16, BlockHashes.seed("m", lora)), maxTokens,
                                               "length", SequenceListener.NOOP);
        engine.add(sequence, now);
        return sequence;
    }

    /** Runs one step and returns its plan's summary: prefill tokens, decoding sequences, scheduled sequences. */
    private String step(BatchingEngine engine) {
        final BatchingEngine.Plan plan = engine.beginStep(now);
        assertThat(plan).isNotNull();
        final String summary = "prefill=" + plan.prefillTokens() + " decode=" + plan.decodeSequences() +
                               " scheduled=" + plan.size();
        now += plan.durationNanos();
        engine.endStep(now);
        return summary;
    }

    private int runUntilIdle(BatchingEngine engine) {
        int steps = 0;
        while (engine.hasWork()) {
            step(engine);
            steps++;
        }
        return steps;
    }

    @Test
    void allocatesBlocksForScheduledTokensOnlyAndFreesThemAtTheEnd() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(10));
        final Sequence a = add(engine, "a", tokens(40), 3);
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(1, 0, 0, 10, List.of(), List.of()));

        // Step 1 prefills 40 tokens: ceil(40 / 16) = 3 blocks, and samples the first token.
        assertThat(step(engine)).isEqualTo("prefill=40 decode=0 scheduled=1");
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(0, 1, 3, 10, List.of(), List.of()));
        assertThat(engine.kvCacheUsage()).isEqualTo(0.3);
        assertThat(a.generated()).isEqualTo(1);
        assertThat(a.firstTokenNanos()).isEqualTo(MS);
        // Steps 2 and 3 decode tokens 41 and 42, still within 3 blocks; step 3 samples the last token.
        assertThat(step(engine)).isEqualTo("prefill=0 decode=1 scheduled=1");
        assertThat(step(engine)).isEqualTo("prefill=0 decode=1 scheduled=1");
        assertThat(a.status()).isEqualTo(Sequence.Status.FINISHED);
        assertThat(a.finishedNanos()).isEqualTo(3 * MS);
        assertThat(engine.hasWork()).isFalse();
        assertThat(engine.kvBlocksInUse()).isZero();
        // The 2 full prompt blocks stay cached in the free queue; the partial one was never cached.
        assertThat(engine.freeCachedBlocks()).isEqualTo(2);
        assertThat(engine.cachedBlocks()).isEqualTo(2);
        assertThat(engine.kvCacheUsage()).isZero();
    }

    @Test
    void cacheHitsSkipPrefillAndAreCappedBelowThePromptLength() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(10));
        final int[] prefix = tokens(48); // 3 full blocks
        add(engine, "a", prefix, 1);
        runUntilIdle(engine);

        // 48 + 5 tokens: all 3 blocks hit; the first chunk computes the other 5, in 1 new block.
        final Sequence b = add(engine, "b", concat(prefix, tokens(5)), 2);
        assertThat(step(engine)).isEqualTo("prefill=5 decode=0 scheduled=1");
        assertThat(b.cachedTokens()).isEqualTo(48);
        assertThat(engine.kvBlocksInUse()).isEqualTo(4);
        runUntilIdle(engine);

        // The same 48 tokens again: the last token must be computed, so only floor(47 / 16) = 2 blocks count.
        final Sequence c = add(engine, "c", prefix, 1);
        assertThat(step(engine)).isEqualTo("prefill=16 decode=0 scheduled=1");
        assertThat(c.cachedTokens()).isEqualTo(32);

        // A different first block shares nothing, even though the later tokens match: hashes are chained.
        final int[] other = concat(tokens(16), java.util.Arrays.copyOfRange(prefix, 16, 48));
        final Sequence d = add(engine, "d", concat(other, tokens(1)), 1);
        step(engine);
        assertThat(d.cachedTokens()).isZero();
        assertThat(engine.prefixCacheQueries()).isEqualTo(48 + 53 + 48 + 49);
        assertThat(engine.prefixCacheHits()).isEqualTo(48 + 32);
        assertThat(events).contains("b admitted cached=48", "c admitted cached=32", "d admitted cached=0");
    }

    @Test
    void adaptersNeverShareBlocksWithTheBaseModel() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").loraAdapters(List.of("a")));
        final int[] prompt = tokens(48);
        add(engine, "base", prompt, 1);
        runUntilIdle(engine);
        final Sequence lora = add(engine, "lora", "a", concat(prompt, tokens(1)), 1);
        final Sequence base = add(engine, "base-again", concat(prompt, tokens(1)), 1);
        runUntilIdle(engine);
        assertThat(lora.cachedTokens()).isZero();
        assertThat(base.cachedTokens()).isEqualTo(48);
    }

    @Test
    void usageCountsReferencedBlocksNotCachedFreeOnes() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(8));
        final int[] shared = tokens(64); // 4 full blocks
        add(engine, "a", shared, 1);
        runUntilIdle(engine);
        assertThat(engine.kvCacheUsage()).isZero();
        assertThat(engine.freeCachedBlocks()).isEqualTo(4);

        // Two requests on the same 4 cached blocks reference them once each: 4 shared + 1 own block each.
        final Sequence b = add(engine, "b", concat(shared, tokens(8)), 4);
        final Sequence c = add(engine, "c", concat(shared, tokens(8)), 4);
        step(engine);
        assertThat(b.cachedTokens()).isEqualTo(64);
        assertThat(c.cachedTokens()).isEqualTo(64);
        assertThat(engine.kvBlocksInUse()).isEqualTo(6);
        assertThat(engine.kvCacheUsage()).isEqualTo(6.0 / 8);
        assertThat(engine.freeCachedBlocks()).isZero();
        engine.abort(b, now);
        // The shared blocks are still referenced by c; only b's own block is free.
        assertThat(engine.kvBlocksInUse()).isEqualTo(5);
        engine.abort(c, now);
        assertThat(engine.kvBlocksInUse()).isZero();
        assertThat(engine.freeCachedBlocks()).isEqualTo(4);
        assertThat(events).containsSubsequence("b aborted", "c aborted");
    }

    @Test
    void evictsTheLeastRecentlyFreedBlocksLastBlockFirst() {
        // 6 blocks. a, b and c each fill 2 prompt blocks and finish in one step (maxTokens 1).
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(6));
        final int[] a = tokens(33);
        final int[] b = tokens(33);
        final int[] c = tokens(33);
        add(engine, "a", a, 1); // takes blocks 0-2: 2 cached + 1 partial
        runUntilIdle(engine);
        add(engine, "b", b, 1); // takes 3-5
        runUntilIdle(engine);
        // Free queue, least recently freed first: a's blocks in reverse (2 partial, 1 = a1, 0 = a0), then b's.
        // Touching a again moves a0 and a1 behind b's blocks.
        add(engine, "a-again", a, 1); // hits a0, a1 and takes the head (block 2) for its last token
        runUntilIdle(engine);
        assertThat(engine.freeCachedBlocks()).isEqualTo(4);

        // c needs 3 blocks and takes the head of the queue: b's 5 (partial), b1 and b0, in that order.
        add(engine, "c", c, 1);
        runUntilIdle(engine);
        assertThat(engine.cachedPrefixTokens(BlockHashes.of(a, 16, BlockHashes.seed("m", null)), 33))
                .isEqualTo(32);
        assertThat(engine.cachedPrefixTokens(BlockHashes.of(b, 16, BlockHashes.seed("m", null)), 33)).isZero();
        assertThat(engine.cachedPrefixTokens(BlockHashes.of(c, 16, BlockHashes.seed("m", null)), 33))
                .isEqualTo(32);

        // d needs 3 blocks: the queue is now a-again's partial block, then a1, a0 (freed in reverse), then c's.
        // It takes the partial block, then a1 and a0: a's prefix is lost from its end first.
        add(engine, "d", tokens(33), 1);
        runUntilIdle(engine);
        assertThat(engine.cachedPrefixTokens(BlockHashes.of(a, 16, BlockHashes.seed("m", null)), 33)).isZero();
        assertThat(engine.cachedPrefixTokens(BlockHashes.of(c, 16, BlockHashes.seed("m", null)), 33))
                .isEqualTo(32);
    }

    @Test
    void queuesFirstComeFirstServedWhenBlocksRunOut() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(4));
        final Sequence first = add(engine, "first", tokens(32), 10); // 2 blocks
        final Sequence second = add(engine, "second", tokens(48), 10); // 3 blocks: waits
        final Sequence third = add(engine, "third", tokens(8), 10); // 1 block: fits, but waits its turn
        step(engine);
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(2, 1, 2, 4, List.of(), List.of()));
        engine.abort(first, now);
        step(engine);
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(0, 2, 4, 4, List.of(), List.of()));
        assertThat(second.status()).isEqualTo(Sequence.Status.RUNNING);
        assertThat(third.status()).isEqualTo(Sequence.Status.RUNNING);
    }

    @Test
    void preemptsTheLatestAdmittedWhenDecodeNeedsABlock() {
        // 4 blocks; a and b have 16-token prompts and 40 output tokens each.
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(4));
        final Sequence a = add(engine, "a", tokens(16), 40);
        final Sequence b = add(engine, "b", tokens(16), 40);
        // Step 1 prefills both (1 block each); step k >= 2 computes token 16 + k - 1 of each, so steps 2..17
        // need 2 blocks each: the cache is full.
        assertThat(step(engine)).isEqualTo("prefill=32 decode=0 scheduled=2");
        for (int k = 2; k <= 17; k++) {
            assertThat(step(engine)).isEqualTo("prefill=0 decode=2 scheduled=2");
        }
        assertThat(engine.kvBlocksInUse()).isEqualTo(4);
        // Step 18: a's 33rd token needs a third block; b, admitted last, is preempted and no one is admitted.
        assertThat(step(engine)).isEqualTo("prefill=0 decode=1 scheduled=1");
        assertThat(b.status()).isEqualTo(Sequence.Status.WAITING);
        assertThat(b.preemptions()).isEqualTo(1);
        assertThat(engine.preemptions()).isEqualTo(1);
        assertThat(engine.snapshot()).isEqualTo(new EngineSnapshot(1, 1, 3, 4, List.of(), List.of()));
        // b must recompute 16 + 17 = 33 tokens: 3 blocks, of which 1 (its cached prompt block) sits free, but
        // only 1 block is free: it waits.
        assertThat(step(engine)).isEqualTo("prefill=0 decode=1 scheduled=1");
        assertThat(engine.waitingSequences()).isEqualTo(1);
        // Step 34: a's 49th token takes the last free block, evicting b's cached prompt block.
        for (int k = 20; k <= 33; k++) {
            step(engine);
        }
        assertThat(engine.freeCachedBlocks()).isEqualTo(1);
        step(engine);
        assertThat(engine.freeCachedBlocks()).isZero();
        // Step 40: a samples its 40th token and finishes; step 41 readmits b with no cache hit.
        for (int k = 35; k <= 40; k++) {
            step(engine);
        }
        assertThat(a.status()).isEqualTo(Sequence.Status.FINISHED);
        assertThat(step(engine)).isEqualTo("prefill=33 decode=0 scheduled=1");
        assertThat(b.generated()).isEqualTo(18);
        // b decodes its remaining 22 tokens in steps 42..63.
        assertThat(runUntilIdle(engine)).isEqualTo(22);
        assertThat(b.status()).isEqualTo(Sequence.Status.FINISHED);
        assertThat(b.cachedTokens()).isZero(); // as at its first admission
        assertThat(events).containsExactly("a admitted cached=0", "b admitted cached=0", "b preempted",
                                           "a finished", "b admitted cached=0", "b finished");
    }

    @Test
    void preemptedSequenceResumesFromItsCachedPromptBlocks() {
        // As above with 5 blocks: after the preemption b's prompt block is still cached when b is readmitted.
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(5));
        final Sequence a = add(engine, "a", tokens(16), 40);
        final Sequence b = add(engine, "b", tokens(16), 40);
        // Steps 2..17: 4 blocks in use; step 18 gives a and b a third block each, but only 1 is free.
        for (int k = 1; k <= 18; k++) {
            step(engine);
        }
        assertThat(b.preemptions()).isEqualTo(1);
        // b preempted itself: a took the last free block first. a holds 3 blocks; 2 are free, b's partial block
        // at the head and its cached prompt block behind it. b needs 3 blocks of which 1 hits: 2 new + 1 hit
        // sitting free = 3 > 2 free, so it waits. a's 4th block (step 34) takes the partial one, and when a
        // finishes (step 40) b is readmitted with its prompt block from the cache: 17 tokens to recompute.
        for (int k = 19; k <= 40; k++) {
            assertThat(step(engine)).isEqualTo("prefill=0 decode=1 scheduled=1");
        }
        assertThat(a.status()).isEqualTo(Sequence.Status.FINISHED);
        assertThat(step(engine)).isEqualTo("prefill=17 decode=0 scheduled=1");
        assertThat(events).containsSubsequence("b preempted", "a finished", "b admitted cached=16");
        assertThat(engine.prefixCacheHits()).isEqualTo(16);
        assertThat(b.cachedTokens()).isZero(); // as at its first admission
    }

    @Test
    void chunksLongPromptsByTheTokenBudget() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").maxNumBatchedTokens(2048));
        final Sequence decoding = add(engine, "decoding", tokens(10), 100);
        step(engine);
        final Sequence a = add(engine, "a", tokens(5000), 2);
        // The decoding sequence takes 1 token of the budget first; the prompt gets the rest.
        assertThat(step(engine)).isEqualTo("prefill=2047 decode=1 scheduled=2");
        assertThat(a.generated()).isZero();
        assertThat(step(engine)).isEqualTo("prefill=2047 decode=1 scheduled=2");
        assertThat(step(engine)).isEqualTo("prefill=906 decode=1 scheduled=2");
        assertThat(a.generated()).isEqualTo(1);
        assertThat(a.firstTokenNanos() - a.arrivalNanos()).isEqualTo(3 * MS);
        assertThat(step(engine)).isEqualTo("prefill=0 decode=2 scheduled=2");
        assertThat(a.status()).isEqualTo(Sequence.Status.FINISHED);
        assertThat(decoding.generated()).isEqualTo(5);
    }

    @Test
    void limitsRunningSequencesToMaxNumSeqs() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").maxNumSeqs(2));
        add(engine, "a", tokens(4), 3);
        add(engine, "b", tokens(4), 3);
        add(engine, "c", tokens(4), 3);
        step(engine);
        assertThat(engine.runningSequences()).isEqualTo(2);
        assertThat(engine.waitingSequences()).isEqualTo(1);
        assertThat(runUntilIdle(engine)).isEqualTo(5); // a and b finish at step 3; c runs in steps 4..6
    }

    @Test
    void skipsSequencesWhoseAdapterHasNoSlot() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").loraAdapters(List.of("a", "b", "c"))
                                                            .maxLoras(2));
        final Sequence a = add(engine, "a1", "a", tokens(1), 5);
        add(engine, "b1", "b", tokens(1), 2);
        final Sequence c = add(engine, "c1", "c", tokens(1), 1);
        add(engine, "a2", "a", tokens(1), 5); // adapter already loaded: admitted past the waiting one
        add(engine, "m1", null, tokens(1), 5); // base model needs no slot
        step(engine);
        assertThat(events).containsExactly("a1 admitted cached=0", "b1 admitted cached=0",
                                           "a2 admitted cached=0", "m1 admitted cached=0");
        assertThat(engine.snapshot().runningLoraAdapters()).containsExactly("a", "b");
        assertThat(engine.snapshot().waitingLoraAdapters()).containsExactly("c");

        // b1 finishes at step 2, freeing b's slot; c1 is admitted at step 3.
        step(engine);
        assertThat(c.status()).isEqualTo(Sequence.Status.WAITING);
        assertThat(engine.snapshot().runningLoraAdapters()).containsExactly("a");
        step(engine);
        assertThat(c.status()).isEqualTo(Sequence.Status.FINISHED); // 1 token: done in its first step
        assertThat(a.status()).isEqualTo(Sequence.Status.RUNNING);
        assertThat(engine.snapshot().waitingLoraAdapters()).isEmpty();
    }

    @Test
    void abortingAWaitingSequenceLeavesTheQueue() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(4));
        add(engine, "a", tokens(32), 10);
        final Sequence big = add(engine, "big", tokens(48), 10);
        final Sequence small = add(engine, "small", tokens(8), 10);
        step(engine);
        engine.abort(big, now);
        engine.abort(big, now); // twice does nothing
        step(engine);
        assertThat(small.status()).isEqualTo(Sequence.Status.RUNNING);
        assertThat(events).containsExactly("a admitted cached=0", "big aborted", "small admitted cached=0");
    }

    @Test
    void abortBeforeAddingIsRemembered() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m"));
        final Sequence sequence = new Sequence("x", "m", null, 4, new long[0], 1, "stop", SequenceListener.NOOP);
        engine.abort(sequence, 0);
        engine.add(sequence, 0);
        assertThat(engine.hasWork()).isFalse();
        assertThat(events).isEmpty();
    }

    @Test
    void embeddingsFinishWhenThePromptIsComputed() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m"));
        final Sequence sequence = add(engine, "e", tokens(20), 0);
        assertThat(runUntilIdle(engine)).isEqualTo(1);
        assertThat(sequence.status()).isEqualTo(Sequence.Status.FINISHED);
        assertThat(sequence.generated()).isZero();
    }

    @Test
    void rejectsSequencesLargerThanTheCache() {
        final BatchingEngine engine = engine(SimulatorConfig.builder("m").kvCacheBlocks(2));
        assertThat(engine.fits(30, 2)).isTrue();
        assertThat(engine.fits(30, 3)).isFalse();
        assertThatThrownBy(() -> add(engine, "x", tokens(30), 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tokens: 30 + 3 (expected: <= 32, the KV cache)");
    }
}

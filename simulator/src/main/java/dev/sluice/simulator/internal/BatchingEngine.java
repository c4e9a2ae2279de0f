package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.SimulatorConfig;

/**
 * Simulates one vLLM engine as a step-driven continuous-batching scheduler over a finite pool of KV blocks with
 * prefix caching, chunked prefill, recompute preemption and LoRA slots. It keeps no clock: a driver tells it the
 * time, in real time for a served simulator or virtual time for a discrete-event simulation.
 *
 * <h2>Algorithm</h2>
 * After vLLM v1's scheduler ({@code vllm/v1/core/sched/scheduler.py}, {@code vllm/v1/core/block_pool.py}), BLIS
 * and the Dynamo mocker; see {@code reference/performance.md} §3.2, §3.3, §3.6 and §3.7.
 *
 * <p>State: a first-come-first-served waiting queue; the running sequences in admission order; a
 * {@link KvBlockPool} of {@code B} blocks of {@code b} tokens; the LoRA adapters of running sequences. A sequence
 * has {@code P} prompt tokens, has generated {@code g} tokens and has the KV of {@code c ≤ P + g} tokens, held in
 * {@code ceil(c / b)} blocks.
 *
 * <p>{@link #beginStep(long)} forms one step with a budget of {@code max_num_batched_tokens} tokens:
 * <ol>
 *   <li>Running sequences, in admission order, each take {@code n = min(P + g − c, budget)} tokens: 1 for a decoding
 *       sequence, a chunk of its prompt for one still prefilling (chunked prefill). Its blocks must grow to cover
 *       {@code c + n} tokens. While the pool has too few free blocks, the most recently admitted running sequence is
 *       preempted: its blocks are released, it goes back to the front of the waiting queue with {@code c = 0}, to
 *       recompute prompt and output when admitted again. If the victim was the sequence itself, step 1 ends.</li>
 *   <li>Unless step 1 preempted someone, waiting sequences are admitted in order while budget remains and fewer
 *       than {@code max_num_seqs} run. One whose adapter is not loaded while {@code max_loras} adapters are is
 *       skipped and keeps its place. For the others the prefix cache gives the longest run of leading block hashes
 *       the pool holds, at most {@code floor((P + g − 1) / b)} blocks since the last token is always computed; those
 *       {@code k·b} tokens count as computed (the reported {@code cached_tokens}) and their blocks are referenced.
 *       The first chunk {@code n = min(P + g − k·b, budget)} needs {@code ceil((k·b + n) / b) − k} new blocks; when
 *       those plus the hit blocks that were sitting free exceed the free blocks, admission stops (head of line).</li>
 *   <li>A block that becomes a full prompt block is registered under its hash at once, as vLLM does at allocation,
 *       so a request admitted later in the same step already hits it.</li>
 *   <li>The {@link StepTimeModel} gives the step's duration from its uncached prompt tokens, its decoding
 *       sequences and the KV usage after allocation.</li>
 * </ol>
 * {@link #endStep(long)} applies the step: each scheduled sequence adds {@code n} to {@code c}; one whose {@code c}
 * reached {@code P + g} samples a token ({@code g + 1}; the first is the time to first token); one that generated
 * all its tokens finishes and releases its blocks. Released blocks keep their prefix and join the tail of the free
 * queue, from whose head allocation evicts: least recently freed first, and a sequence's later blocks before its
 * earlier ones, since they are released in reverse.
 *
 * <p>{@code vllm:kv_cache_usage_perc} is blocks referenced by sequences over {@code B}: free blocks that still hold
 * a cached prefix do not count, as in vLLM's {@code 1 − free / (num_gpu_blocks − 1)} (vLLM reserves one null
 * block; there is none here).
 *
 * <p>Simplifications: output blocks are never hashed, so a multi-turn continuation hits on prompt blocks only; no
 * priorities, speculative decoding or watermark; LoRA slots count the adapters of all running sequences rather than
 * of those scheduled in the step; {@code cached_tokens} is from the first admission.
 *
 * <p>Not thread-safe: a driver calls it from one thread (an event loop, or the simulation loop).
 */
public final class BatchingEngine {

    private final String model;
    private final int blockSize;
    private final int maxNumSeqs;
    private final int maxNumBatchedTokens;
    private final int maxLoras;
    private final long maxModelLength;
    private final StepTimeModel timing;
    private final SequenceListener observer;
    private final KvBlockPool pool;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final ArrayList<Sequence> running = new ArrayList<>();
    // Adapter name -> running sequences on it, in the order the adapters were loaded.
    private final Map<String, Integer> runningLoras = new LinkedHashMap<>();
    private final Plan plan = new Plan();
    private boolean stepInFlight;

    private long preemptions;
    private long prefixQueries;
    private long prefixHits;
    private long steps;

    /**
     * Creates an engine with the KV cache, block size and scheduler limits of the given config.
     *
     * @param observer hears about every sequence, before the sequence's own listener
     */
    public BatchingEngine(SimulatorConfig config, StepTimeModel timing, SequenceListener observer) {
        requireNonNull(config, "config");
        model = config.model();
        blockSize = config.blockSize();
        maxNumSeqs = config.maxNumSeqs();
        maxNumBatchedTokens = config.maxNumBatchedTokens();
        maxLoras = config.maxLoras();
        maxModelLength = config.maxModelLength();
        this.timing = requireNonNull(timing, "timing");
        this.observer = requireNonNull(observer, "observer");
        pool = new KvBlockPool(config.kvCacheBlocks());
    }

    public String model() {
        return model;
    }

    public int blockSize() {
        return blockSize;
    }

    public StepTimeModel timing() {
        return timing;
    }

    /**
     * Returns the longest prompt plus output a sequence may have.
     */
    public long maxModelLength() {
        return maxModelLength;
    }

    /**
     * Returns whether a sequence with the given prompt and output lengths fits the whole KV cache.
     */
    public boolean fits(int promptTokens, int maxTokens) {
        return (long) promptTokens + maxTokens <= maxModelLength;
    }

    /**
     * Queues a sequence at the back of the waiting queue. An aborted sequence is ignored.
     *
     * @throws IllegalArgumentException if the sequence cannot fit the KV cache, or has more block hashes than full
     *                                  blocks
     */
    public void add(Sequence sequence, long nowNanos) {
        if (sequence.status == Sequence.Status.ABORTED) {
            return;
        }
        if (sequence.status != Sequence.Status.NEW) {
            throw new IllegalStateException("sequence added twice: " + sequence);
        }
        if (!fits(sequence.promptTokens(), sequence.maxTokens())) {
            throw new IllegalArgumentException(
                    "tokens: " + sequence.promptTokens() + " + " + sequence.maxTokens() + " (expected: <= " +
                    maxModelLength + ", the KV cache)");
        }
        if (sequence.blockHashes().length > sequence.promptTokens() / blockSize) {
            throw new IllegalArgumentException(
                    "blockHashes: " + sequence.blockHashes().length + " (expected: <= " +
                    sequence.promptTokens() / blockSize + ", the full blocks of the prompt)");
        }
        sequence.status = Sequence.Status.WAITING;
        if (sequence.arrivalNanos < 0) {
            sequence.arrivalNanos = nowNanos;
        }
        waiting.addLast(sequence);
    }

    /**
     * Ends a sequence early, releasing its blocks, and tells the listeners if the engine knew it. Aborting a
     * sequence not yet added makes {@link #add(Sequence, long)} ignore it; aborting an ended one does nothing.
     */
    public void abort(Sequence sequence, long nowNanos) {
        switch (sequence.status) {
            case NEW -> {
                sequence.status = Sequence.Status.ABORTED;
                return;
            }
            case WAITING -> waiting.remove(sequence);
            case RUNNING -> {
                running.remove(sequence);
                releaseBlocks(sequence);
                unloadLora(sequence);
            }
            case FINISHED, ABORTED -> {
                return;
            }
        }
        sequence.status = Sequence.Status.ABORTED;
        sequence.finishedNanos = nowNanos;
        observer.finished(sequence, nowNanos);
        sequence.listener().finished(sequence, nowNanos);
    }

    /**
     * Returns whether any sequence waits or runs.
     */
    public boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    /**
     * Forms the next step at the given time and returns it, or returns {@code null} if there is nothing to do.
     * The step's effects (tokens, finishes) happen at {@link #endStep(long)}, which the driver calls
     * {@link Plan#durationNanos()} later.
     */
    public @Nullable Plan beginStep(long nowNanos) {
        if (stepInFlight) {
            throw new IllegalStateException("a step is in flight");
        }
        plan.clear();
        int budget = maxNumBatchedTokens;
        boolean preempted = false;

        // 1. Running sequences: decode tokens and continuing prefill chunks.
        for (int i = 0; i < running.size() && budget > 0; i++) {
            final Sequence sequence = running.get(i);
            final int newTokens = Math.min(sequence.tokens() - sequence.computed, budget);
            boolean scheduled = false;
            while (true) {
                if (allocate(sequence, sequence.computed + newTokens)) {
                    scheduled = true;
                    break;
                }
                final Sequence victim = running.remove(running.size() - 1);
                preempt(victim, nowNanos);
                preempted = true;
                if (victim == sequence) {
                    break;
                }
            }
            if (!scheduled) {
                break;
            }
            plan.add(sequence, newTokens);
            budget -= newTokens;
        }

        // 2. Waiting sequences, first come first served. After a preemption vLLM admits no one in the same step;
        // if that preemption emptied the batch, the admission happens now rather than in an empty step.
        if (!preempted || plan.size == 0) {
            for (Iterator<Sequence> it = waiting.iterator(); it.hasNext() && budget > 0 &&
                                                             running.size() < maxNumSeqs;) {
                final Sequence sequence = it.next();
                final String lora = sequence.loraAdapter();
                if (lora != null && !runningLoras.containsKey(lora) && runningLoras.size() >= maxLoras) {
                    continue; // no adapter slot: skipped, keeps its place
                }
                final int newTokens = admit(sequence, budget, nowNanos);
                if (newTokens < 0) {
                    break; // head of line: the KV cache is full
                }
                it.remove();
                running.add(sequence);
                plan.add(sequence, newTokens);
                budget -= newTokens;
            }
        }

        if (plan.size == 0) {
            return null;
        }
        plan.kvCacheUsage = kvCacheUsage();
        plan.durationNanos = Math.max(0, timing.stepNanos(plan));
        stepInFlight = true;
        steps++;
        return plan;
    }

    /**
     * Applies the step formed by {@link #beginStep(long)}: computes its tokens, emits sampled tokens and finishes
     * sequences that are done.
     */
    public void endStep(long nowNanos) {
        if (!stepInFlight) {
            throw new IllegalStateException("no step in flight");
        }
        stepInFlight = false;
        boolean finishedAny = false;
        for (int i = 0; i < plan.size; i++) {
            final Sequence sequence = plan.sequences[i];
            if (sequence.status != Sequence.Status.RUNNING) {
                continue; // aborted during the step
            }
            sequence.computed += plan.newTokens[i];
            if (sequence.computed < sequence.tokens()) {
                continue; // a prefill chunk that is not the last
            }
            if (sequence.maxTokens() > 0) {
                final int index = sequence.generated++;
                if (index == 0) {
                    sequence.firstTokenNanos = nowNanos;
                }
                observer.token(sequence, index, nowNanos);
                sequence.listener().token(sequence, index, nowNanos);
                sequence.lastTokenNanos = nowNanos;
            }
            if (sequence.generated == sequence.maxTokens()) {
                sequence.status = Sequence.Status.FINISHED;
                sequence.finishedNanos = nowNanos;
                releaseBlocks(sequence);
                unloadLora(sequence);
                finishedAny = true;
                observer.finished(sequence, nowNanos);
                sequence.listener().finished(sequence, nowNanos);
            }
        }
        if (finishedAny) {
            running.removeIf(sequence -> sequence.status != Sequence.Status.RUNNING);
        }
        plan.clear();
    }

    /**
     * Admits a waiting sequence if its first chunk fits: references its cached prefix blocks, allocates the rest
     * and returns the tokens scheduled; returns {@code -1}, changing nothing, if the KV cache has too few blocks.
     */
    private int admit(Sequence sequence, int budget, long nowNanos) {
        final int tokens = sequence.tokens();
        final long[] hashes = sequence.blockHashes();
        final int maxHitBlocks = Math.min(hashes.length, (tokens - 1) / blockSize);
        int hitBlocks = 0;
        int hitBlocksFree = 0;
        while (hitBlocks < maxHitBlocks) {
            final int block = pool.lookUp(hashes[hitBlocks]);
            if (block < 0) {
                break;
            }
            if (pool.isFree(block)) {
                hitBlocksFree++;
            }
            hitBlocks++;
        }
        final int cachedTokens = hitBlocks * blockSize;
        final int newTokens = Math.min(tokens - cachedTokens, budget);
        final int newBlocks = blocksFor(cachedTokens + newTokens) - hitBlocks;
        if (newBlocks + hitBlocksFree > pool.free()) {
            return -1;
        }
        for (int i = 0; i < hitBlocks; i++) {
            final int block = pool.lookUp(hashes[i]);
            pool.pin(block);
            sequence.addBlock(block);
        }
        sequence.hashedBlocks = hitBlocks;
        sequence.computed = cachedTokens;
        if (!allocate(sequence, cachedTokens + newTokens)) {
            throw new AssertionError("checked free blocks, yet allocation failed: " + sequence);
        }
        sequence.status = Sequence.Status.RUNNING;
        if (sequence.cachedTokens < 0) {
            sequence.cachedTokens = cachedTokens;
            sequence.admittedNanos = nowNanos;
        }
        final String lora = sequence.loraAdapter();
        if (lora != null) {
            runningLoras.merge(lora, 1, Integer::sum);
        }
        prefixQueries += tokens;
        prefixHits += cachedTokens;
        observer.admitted(sequence, cachedTokens, nowNanos);
        sequence.listener().admitted(sequence, cachedTokens, nowNanos);
        return newTokens;
    }

    /**
     * Grows a sequence's blocks to cover the given tokens, registering newly full prompt blocks in the prefix
     * cache; returns {@code false}, changing nothing, if the pool has too few free blocks.
     */
    private boolean allocate(Sequence sequence, int tokens) {
        final int needed = blocksFor(tokens) - sequence.blockCount;
        if (needed > pool.free()) {
            return false;
        }
        for (int i = 0; i < needed; i++) {
            sequence.addBlock(pool.allocate());
        }
        final long[] hashes = sequence.blockHashes();
        final int fullPromptBlocks = Math.min(hashes.length, tokens / blockSize);
        for (int i = sequence.hashedBlocks; i < fullPromptBlocks; i++) {
            pool.register(sequence.blocks[i], hashes[i]);
        }
        sequence.hashedBlocks = Math.max(sequence.hashedBlocks, fullPromptBlocks);
        return true;
    }

    private void preempt(Sequence sequence, long nowNanos) {
        releaseBlocks(sequence);
        unloadLora(sequence);
        sequence.computed = 0;
        sequence.status = Sequence.Status.WAITING;
        sequence.preemptions++;
        preemptions++;
        waiting.addFirst(sequence);
        observer.preempted(sequence, nowNanos);
        sequence.listener().preempted(sequence, nowNanos);
    }

    private void releaseBlocks(Sequence sequence) {
        // In reverse, so that a sequence's last blocks are evicted before its first ones.
        for (int i = sequence.blockCount - 1; i >= 0; i--) {
            pool.release(sequence.blocks[i]);
        }
        sequence.blockCount = 0;
        sequence.hashedBlocks = 0;
    }

    private void unloadLora(Sequence sequence) {
        final String lora = sequence.loraAdapter();
        if (lora != null) {
            runningLoras.computeIfPresent(lora, (name, count) -> count == 1 ? null : count - 1);
        }
    }

    private int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /**
     * Returns the fraction of KV blocks referenced by sequences, as vLLM's {@code kv_cache_usage_perc}.
     */
    public double kvCacheUsage() {
        return (double) pool.inUse() / pool.total();
    }

    /**
     * Returns how many of a prompt's tokens the prefix cache would supply if it were admitted now, as an oracle
     * picker would ask.
     */
    public int cachedPrefixTokens(long[] blockHashes, int promptTokens) {
        final int maxHitBlocks = Math.min(blockHashes.length, (promptTokens - 1) / blockSize);
        int hits = 0;
        while (hits < maxHitBlocks && pool.lookUp(blockHashes[hits]) >= 0) {
            hits++;
        }
        return hits * blockSize;
    }

    /**
     * Returns whether a block with the given prefix hash is cached, in use or free.
     */
    public boolean isCached(long blockHash) {
        return pool.lookUp(blockHash) >= 0;
    }

    /**
     * Returns the number of blocks holding a cached prefix, in use or free.
     */
    public int cachedBlocks() {
        return pool.cached();
    }

    /**
     * Returns the number of free blocks that still hold a cached prefix.
     */
    public int freeCachedBlocks() {
        return pool.freeCached();
    }

    public int waitingSequences() {
        return waiting.size();
    }

    public int runningSequences() {
        return running.size();
    }

    public int kvBlocksInUse() {
        return pool.inUse();
    }

    public int kvBlocksTotal() {
        return pool.total();
    }

    public long preemptions() {
        return preemptions;
    }

    /** Returns the prompt tokens looked up in the prefix cache, as vLLM's {@code prefix_cache_queries}. */
    public long prefixCacheQueries() {
        return prefixQueries;
    }

    /** Returns the prompt tokens found in the prefix cache, as vLLM's {@code prefix_cache_hits}. */
    public long prefixCacheHits() {
        return prefixHits;
    }

    /** Returns the number of steps begun. */
    public long steps() {
        return steps;
    }

    /**
     * Returns the engine's queues, KV usage and adapters.
     */
    public EngineSnapshot snapshot() {
        final LinkedHashSet<String> waitingLoras = new LinkedHashSet<>();
        for (Sequence sequence : waiting) {
            final String lora = sequence.loraAdapter();
            if (lora != null) {
                waitingLoras.add(lora);
            }
        }
        return new EngineSnapshot(waiting.size(), running.size(), pool.inUse(), pool.total(),
                                  List.copyOf(runningLoras.keySet()), List.copyOf(waitingLoras));
    }

    @Override
    public String toString() {
        return "BatchingEngine{" + model + ", waiting=" + waiting.size() + ", running=" + running.size() +
               ", kv=" + pool.inUse() + '/' + pool.total() + ", cached=" + pool.cached() + '}';
    }

    /**
     * Describes the step being run: the sequences scheduled and the tokens each computes.
     */
    public final class Plan {

        private Sequence[] sequences = new Sequence[16];
        private int[] newTokens = new int[16];
        private int size;
        private int prefillTokens;
        private int decodeSequences;
        private double kvCacheUsage;
        private long durationNanos;

        private Plan() {}

        private void add(Sequence sequence, int tokens) {
            if (size == sequences.length) {
                sequences = Arrays.copyOf(sequences, size * 2);
                newTokens = Arrays.copyOf(newTokens, size * 2);
            }
            sequences[size] = sequence;
            newTokens[size] = tokens;
            size++;
            if (isDecode(sequence, tokens)) {
                decodeSequences++;
            } else {
                prefillTokens += tokens;
            }
        }

        private void clear() {
            Arrays.fill(sequences, 0, size, null);
            size = 0;
            prefillTokens = 0;
            decodeSequences = 0;
            kvCacheUsage = 0;
            durationNanos = 0;
        }

        private boolean isDecode(Sequence sequence, int tokens) {
            // Computing only the last sampled token; a recompute after preemption is prefill work.
            return tokens == 1 && sequence.generated > 0 && sequence.computed == sequence.tokens() - 1;
        }

        /** Returns the number of sequences scheduled. */
        public int size() {
            return size;
        }

        public Sequence sequence(int i) {
            return sequences[i];
        }

        /** Returns the tokens sequence {@code i} computes in this step. */
        public int newTokens(int i) {
            return newTokens[i];
        }

        /** Returns whether sequence {@code i} samples a token (or, for {@code maxTokens} 0, finishes) at the end. */
        public boolean samples(int i) {
            return sequences[i].computed + newTokens[i] == sequences[i].tokens();
        }

        /** Returns whether sequence {@code i} decodes one token, as opposed to computing prompt (or recompute). */
        public boolean decodes(int i) {
            return isDecode(sequences[i], newTokens[i]);
        }

        /** Returns the prompt and recompute tokens computed in this step: none came from the prefix cache. */
        public int prefillTokens() {
            return prefillTokens;
        }

        /** Returns the sequences decoding one token in this step. */
        public int decodeSequences() {
            return decodeSequences;
        }

        /** Returns the KV cache usage after this step's allocations. */
        public double kvCacheUsage() {
            return kvCacheUsage;
        }

        public long durationNanos() {
            return durationNanos;
        }

        /** Returns the engine's state as the step starts. */
        public EngineSnapshot snapshot() {
            return BatchingEngine.this.snapshot();
        }

        @Override
        public String toString() {
            return "Plan{sequences=" + size + ", prefillTokens=" + prefillTokens + ", decodeSequences=" +
                   decodeSequences + ", kvCacheUsage=" + kvCacheUsage + ", durationNanos=" + durationNanos + '}';
        }
    }
}

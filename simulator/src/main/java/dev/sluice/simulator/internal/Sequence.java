package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.GenerationRequest;

/**
 * Follows one prompt through a {@link BatchingEngine}: what it asks for, how far it got, and when.
 *
 * <p>The fields after the request are engine state, read and written on the engine's thread only; the accessors
 * may be read elsewhere once the engine has handed the sequence over (its listener ran).
 */
public final class Sequence {

    /** Where a sequence is. */
    public enum Status {
        /** Not yet added to an engine. */
        NEW,
        /** In the waiting queue. */
        WAITING,
        /** Admitted and holding KV blocks. */
        RUNNING,
        /** Generated all of its tokens. */
        FINISHED,
        /** Ended early. */
        ABORTED
    }

    private final String id;
    private final String model;
    private final @Nullable String loraAdapter;
    private final int promptTokens;
    private final long[] blockHashes;
    private final int maxTokens;
    private final String finishReason;
    private final SequenceListener listener;

    // Engine state.
    Status status = Status.NEW;
    int computed;
    int generated;
    int[] blocks = new int[4];
    int blockCount;
    int hashedBlocks; // leading blocks that are registered prefix blocks (hits or registered by this sequence)
    int cachedTokens = -1;
    int preemptions;
    long arrivalNanos = -1;
    long admittedNanos = -1;
    long firstTokenNanos = -1;
    long lastTokenNanos = -1;
    long finishedNanos = -1;
    private @Nullable GenerationRequest generationRequest;

    /**
     * Creates a sequence.
     *
     * @param id an identifier for logs and records
     * @param model the model name the client asked for (the base model or an adapter)
     * @param loraAdapter the adapter the sequence runs on, or {@code null}
     * @param promptTokens the prompt length in tokens
     * @param blockHashes the chained hashes of the prompt's full blocks, see {@link BlockHashes}
     * @param maxTokens the tokens to generate; {@code 0} computes the prompt only (embeddings)
     * @param finishReason the reason reported when all tokens are generated ({@code "stop"} or {@code "length"})
     * @param listener hears about this sequence only
     */
    public Sequence(String id, String model, @Nullable String loraAdapter, int promptTokens, long[] blockHashes,
                    int maxTokens, String finishReason, SequenceListener listener) {
        this.id = requireNonNull(id, "id");
        this.model = requireNonNull(model, "model");
        this.loraAdapter = loraAdapter;
        if (promptTokens < 1) {
            throw new IllegalArgumentException("promptTokens: " + promptTokens + " (expected: >= 1)");
        }
        this.promptTokens = promptTokens;
        this.blockHashes = requireNonNull(blockHashes, "blockHashes");
        if (maxTokens < 0) {
            throw new IllegalArgumentException("maxTokens: " + maxTokens + " (expected: >= 0)");
        }
        this.maxTokens = maxTokens;
        this.finishReason = requireNonNull(finishReason, "finishReason");
        this.listener = requireNonNull(listener, "listener");
    }

    public String id() {
        return id;
    }

    public String model() {
        return model;
    }

    public @Nullable String loraAdapter() {
        return loraAdapter;
    }

    public int promptTokens() {
        return promptTokens;
    }

    long[] blockHashes() {
        return blockHashes;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public String finishReason() {
        return finishReason;
    }

    SequenceListener listener() {
        return listener;
    }

    public Status status() {
        return status;
    }

    public boolean aborted() {
        return status == Status.ABORTED;
    }

    /** Returns the tokens generated so far. */
    public int generated() {
        return generated;
    }

    /** Returns the prompt tokens found in the prefix cache at first admission, or {@code -1} before it. */
    public int cachedTokens() {
        return cachedTokens;
    }

    public int preemptions() {
        return preemptions;
    }

    /** Returns the KV blocks the sequence holds. */
    public int blocks() {
        return blockCount;
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    public long admittedNanos() {
        return admittedNanos;
    }

    public long firstTokenNanos() {
        return firstTokenNanos;
    }

    /**
     * Returns when the latest token came; while listeners hear of a token, when the token before it came.
     */
    public long lastTokenNanos() {
        return lastTokenNanos;
    }

    /**
     * Sets the arrival time, for a driver that adds the sequence to the engine later than it arrived (after API
     * server overhead). Without it, the arrival is when the sequence was added.
     */
    public void markArrival(long nanos) {
        arrivalNanos = nanos;
    }

    public long finishedNanos() {
        return finishedNanos;
    }

    /** Returns the tokens whose KV must exist before the next token can be sampled: prompt plus output so far. */
    int tokens() {
        return promptTokens + generated;
    }

    void addBlock(int block) {
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, blockCount * 2);
        }
        blocks[blockCount++] = block;
    }

    /** Returns the sequence as a {@link dev.sluice.simulator.TimingModel} sees it. */
    GenerationRequest generationRequest() {
        GenerationRequest request = generationRequest;
        if (request == null || request.cachedPromptTokens() != Math.max(0, cachedTokens)) {
            request = new GenerationRequest(model, loraAdapter, promptTokens, Math.max(0, cachedTokens), maxTokens);
            generationRequest = request;
        }
        return request;
    }

    @Override
    public String toString() {
        return "Sequence{" + id + ", " + status + ", prompt=" + promptTokens + ", computed=" + computed +
               ", generated=" + generated + '/' + maxTokens + ", blocks=" + blockCount + '}';
    }
}

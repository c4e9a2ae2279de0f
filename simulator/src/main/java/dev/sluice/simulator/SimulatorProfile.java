package dev.sluice.simulator;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * Describes the hardware a simulated engine pretends to be: its KV cache size, its scheduler limits and the
 * coefficients of its step time.
 *
 * <p>One engine step (a forward pass over every scheduled sequence) takes
 * <pre>
 *   step = stepBase
 *        + perPrefillToken   × (uncached prompt tokens computed in the step, chunks and recomputes included)
 *        + perDecodeSequence × (sequences decoding one token in the step)
 *        + atFullKvCache     × (KV cache usage after the step's allocations, 0..1)
 * </pre>
 * then, if {@code stepJitter} is positive, times a Gaussian factor of mean 1 and that standard deviation (clamped to
 * ±3σ). This is the shape of BLIS's "blackbox" model (β0 + β1·prefill + β2·decode) with the KV-occupancy term that
 * the Dynamo mocker's decode polynomial shows; see {@code reference/performance.md} §3.2, §3.3 and §3.7. A request
 * enters the engine's queue {@code requestOverhead + overheadPerPromptToken × prompt tokens} after it arrives (API
 * server and tokenizer time, BLIS's α0 and α1).
 *
 * @param name the name used on the command line, such as {@code qwen3-32b-tp2-h100}
 * @param kvCacheBlocks KV cache blocks of 16 tokens, vLLM's {@code num_gpu_blocks}
 * @param maxNumSeqs vLLM's {@code max_num_seqs}: the most sequences running at once
 * @param maxNumBatchedTokens vLLM's {@code max_num_batched_tokens}: the token budget of one step
 * @param stepBase the fixed cost of a step (reading the weights)
 * @param perPrefillToken the cost of one uncached prompt token
 * @param perDecodeSequence the cost of one decoding sequence
 * @param atFullKvCache the extra cost of a step when the KV cache is full (reading it), scaled by usage
 * @param requestOverhead the time from arrival to the waiting queue
 * @param overheadPerPromptToken the extra time per prompt token from arrival to the waiting queue
 * @param stepJitter the relative standard deviation of step times, {@code 0} for none
 */
public record SimulatorProfile(String name, int kvCacheBlocks, int maxNumSeqs, int maxNumBatchedTokens,
                               Duration stepBase, Duration perPrefillToken, Duration perDecodeSequence,
                               Duration atFullKvCache, Duration requestOverhead, Duration overheadPerPromptToken,
                               double stepJitter) {

    /** The relative standard deviation of step times in the built-in profiles: a choice, not a measurement. */
    private static final double BUILT_IN_JITTER = 0.02;

    /**
     * Qwen3-32B on two H100s (tensor parallel 2), as in llm-d's benchmarks: 307,328 KV tokens per pod,
     * {@code max_num_batched_tokens} 8192 and {@code max_num_seqs} 256; prefill at 20,480 tokens/s (one 8,192-token
     * chunk takes 0.40 s); about 15 ms per step, 20 µs per decoding sequence and 20 ms more at a full KV cache, which
     * gives llm-d's 25 → 50 ms inter-token latency from light to heavy load. Source: reference/performance.md §3.7
     * (llm-d blog posts of 2025-09-24 and 2026-08-17). The request overhead is BLIS's α for Llama-3.1-8B.
     */
    public static final SimulatorProfile QWEN3_32B_TP2_H100 = new SimulatorProfile(
            "qwen3-32b-tp2-h100", 19_208, 256, 8192, Duration.ofMillis(15), Duration.ofNanos(48_800),
            Duration.ofNanos(20_000), Duration.ofMillis(20), Duration.ofNanos(232_000), Duration.ofNanos(1_750),
            BUILT_IN_JITTER);

    /**
     * Llama-3.1-8B on one H100: BLIS's fitted coefficients for vLLM 0.8.4 (5.753 ms per step, 17.25 µs per prefill
     * token, 6.0 µs per decode token, α 232 µs + 1.75 µs per prompt token) and its 29,205 KV blocks; vLLM's H100
     * defaults of 8192 batched tokens and 1024 sequences. BLIS fits no KV term; the 18 ms at a full cache is reading
     * 467k tokens × 128 KiB of KV at 3.35 TB/s. Source: reference/performance.md §3.2 and §3.6.
     */
    public static final SimulatorProfile LLAMA_8B_H100 = new SimulatorProfile(
            "llama-8b-h100", 29_205, 1024, 8192, Duration.ofNanos(5_753_000), Duration.ofNanos(17_250),
            Duration.ofNanos(6_000), Duration.ofMillis(18), Duration.ofNanos(232_000), Duration.ofNanos(1_750),
            BUILT_IN_JITTER);

    /**
     * Llama-3.1-8B (16 GB of FP16 weights) on one 24 GB A10-class GPU (600 GB/s, 125 TFLOPS FP16), derived rather
     * than measured: about 5.5 GiB left for KV at 128 KiB per token gives 2,816 blocks; reading the weights puts a
     * step at 32 ms (the 16 GB / 600 GB/s floor times BLIS's H100 ratio of fit to floor); prefill and decode costs
     * are BLIS's H100 ones scaled by compute (×7.9: 136 µs per token) and by bandwidth (×5.6: 34 µs per sequence);
     * a full KV cache adds its 5.5 GiB / 600 GB/s ≈ 10 ms. vLLM's defaults below 70 GiB: 2048 batched tokens and
     * 256 sequences. Source: reference/performance.md §3.6 (vLLM defaults, the physics of decode).
     */
    public static final SimulatorProfile LLAMA_8B_A10 = new SimulatorProfile(
            "llama-8b-a10", 2_816, 256, 2048, Duration.ofMillis(32), Duration.ofNanos(136_000),
            Duration.ofNanos(34_000), Duration.ofMillis(10), Duration.ofNanos(232_000), Duration.ofNanos(1_750),
            BUILT_IN_JITTER);

    private static final List<SimulatorProfile> BUILT_IN = List.of(QWEN3_32B_TP2_H100, LLAMA_8B_H100, LLAMA_8B_A10);

    public SimulatorProfile {
        requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: a non-blank name)");
        }
        if (kvCacheBlocks < 1) {
            throw new IllegalArgumentException("kvCacheBlocks: " + kvCacheBlocks + " (expected: >= 1)");
        }
        if (maxNumSeqs < 1) {
            throw new IllegalArgumentException("maxNumSeqs: " + maxNumSeqs + " (expected: >= 1)");
        }
        if (maxNumBatchedTokens < 1) {
            throw new IllegalArgumentException("maxNumBatchedTokens: " + maxNumBatchedTokens + " (expected: >= 1)");
        }
        nonNegative(stepBase, "stepBase");
        nonNegative(perPrefillToken, "perPrefillToken");
        nonNegative(perDecodeSequence, "perDecodeSequence");
        nonNegative(atFullKvCache, "atFullKvCache");
        nonNegative(requestOverhead, "requestOverhead");
        nonNegative(overheadPerPromptToken, "overheadPerPromptToken");
        if (!(stepJitter >= 0 && stepJitter <= 0.3)) {
            throw new IllegalArgumentException("stepJitter: " + stepJitter + " (expected: 0..0.3)");
        }
    }

    private static void nonNegative(Duration value, String name) {
        requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
    }

    /**
     * Returns the built-in profiles.
     */
    public static List<SimulatorProfile> builtIn() {
        return BUILT_IN;
    }

    /**
     * Returns the built-in profile of the given name.
     *
     * @throws IllegalArgumentException if there is none
     */
    public static SimulatorProfile named(String name) {
        requireNonNull(name, "name");
        for (SimulatorProfile profile : BUILT_IN) {
            if (profile.name.equals(name)) {
                return profile;
            }
        }
        throw new IllegalArgumentException("profile: " + name + " (expected: one of " +
                                           BUILT_IN.stream().map(SimulatorProfile::name).toList() + ')');
    }

    /**
     * Returns a copy of this profile with the given step jitter, {@code 0} for exactly reproducible step times.
     */
    public SimulatorProfile withStepJitter(double stepJitter) {
        return new SimulatorProfile(name, kvCacheBlocks, maxNumSeqs, maxNumBatchedTokens, stepBase, perPrefillToken,
                                    perDecodeSequence, atFullKvCache, requestOverhead, overheadPerPromptToken,
                                    stepJitter);
    }

    /**
     * Returns the time of one step, before jitter, from what it computes.
     *
     * @param prefillTokens uncached prompt tokens computed in the step
     * @param decodeSequences sequences decoding one token in the step
     * @param kvCacheUsage the KV cache usage after the step's allocations, from {@code 0} to {@code 1}
     */
    public Duration stepTime(int prefillTokens, int decodeSequences, double kvCacheUsage) {
        if (prefillTokens < 0 || decodeSequences < 0 || !(kvCacheUsage >= 0 && kvCacheUsage <= 1)) {
            throw new IllegalArgumentException("prefillTokens: " + prefillTokens + ", decodeSequences: " +
                                               decodeSequences + ", kvCacheUsage: " + kvCacheUsage +
                                               " (expected: >= 0, >= 0, 0..1)");
        }
        return Duration.ofNanos(stepBase.toNanos() + perPrefillToken.toNanos() * prefillTokens +
                                perDecodeSequence.toNanos() * decodeSequences +
                                Math.round(atFullKvCache.toNanos() * kvCacheUsage));
    }

    /**
     * Returns the time from a request's arrival to the engine's waiting queue.
     */
    public Duration overhead(int promptTokens) {
        return Duration.ofNanos(requestOverhead.toNanos() + overheadPerPromptToken.toNanos() * promptTokens);
    }
}

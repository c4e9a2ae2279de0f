package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * Cuts a prompt into fixed-size blocks and hashes them as a chain, the way GIE's approximate prefix cache does.
 *
 * <pre>
 *   h(-1) = XXH64(UTF-8(model))                            the model (or LoRA adapter) scopes the whole chain
 *   h(i)  = mix(h(i-1) · φ + XXH64(block_i))               block_i: blockChars bytes, or blockTokens ids (LE32)
 * </pre>
 * where {@code mix} is SplitMix64's finalizer. GIE hashes {@code xxhash(block_i ‖ h(i-1))}; hashing each block on
 * its own and chaining with one cheap mix gives the same prefix property (hash {@code i} stands for everything up
 * to block {@code i}) while letting the CPU hash consecutive blocks in parallel, about twice as fast.
 *
 * <p>Only full blocks are hashed, and at most {@code maxBlocks} of them. The model in the first hash keeps prompts
 * sent to different models or adapters apart (vLLM names an adapter as a model, so the target model names the
 * adapter when there is one), as vLLM keeps their KV apart.
 *
 * <h2>Character blocks</h2>
 * "Characters" are UTF-8 bytes, as in GIE, whose Go strings are bytes: its default is 64 bytes, 16 tokens at the
 * four bytes a token it assumes. Sluice's simulator tokenizes four UTF-8 bytes a token, so for it 64-byte blocks
 * line up one to one with its 16-token KV blocks; for real tokenizers they are an approximation (GIE issues #1304,
 * #2330). Hashing a 24,000-character prompt takes under 10 µs.
 *
 * <h2>Token blocks</h2>
 * With a {@link PromptTokenizer}, blocks are {@code blockTokens} token ids, matching the server's KV blocks exactly
 * when the tokenizer is the model's own. Tokenizing costs much more than hashing.
 *
 * <p>Thread-safe and stateless.
 */
public final class BlockHasher {

    /** GIE's legacy default block: 64 characters, 16 tokens at four characters a token. */
    public static final int DEFAULT_BLOCK_CHARS = 64;

    /** vLLM's default KV block size, and GIE's {@code blockSizeTokens}. */
    public static final int DEFAULT_BLOCK_TOKENS = 16;

    /** GIE's {@code maxPrefixBlocksToMatch}. */
    public static final int GIE_MAX_BLOCKS = 256;

    /** Characters a token, as GIE and the simulator assume. */
    static final int CHARS_PER_TOKEN = 4;

    private static final VarHandle INTS =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Returns a hasher of blocks of {@code blockChars} UTF-8 bytes, at most {@code maxBlocks} of them. */
    public static BlockHasher characters(int blockChars, int maxBlocks) {
        if (blockChars < CHARS_PER_TOKEN) {
            throw new IllegalArgumentException("blockChars: " + blockChars + " (expected: >= " + CHARS_PER_TOKEN +
                                               ')');
        }
        return new BlockHasher(null, blockChars, 0, checkMaxBlocks(maxBlocks));
    }

    /**
     * Returns a hasher of blocks of {@code blockTokens} tokens of {@code tokenizer}, at most {@code maxBlocks} of
     * them.
     */
    public static BlockHasher tokens(PromptTokenizer tokenizer, int blockTokens, int maxBlocks) {
        requireNonNull(tokenizer, "tokenizer");
        if (blockTokens < 1) {
            throw new IllegalArgumentException("blockTokens: " + blockTokens + " (expected: >= 1)");
        }
        return new BlockHasher(tokenizer, 0, blockTokens, checkMaxBlocks(maxBlocks));
    }

    private static int checkMaxBlocks(int maxBlocks) {
        if (maxBlocks < 1) {
            throw new IllegalArgumentException("maxBlocks: " + maxBlocks + " (expected: >= 1)");
        }
        return maxBlocks;
    }

    private final @Nullable PromptTokenizer tokenizer;
    private final int blockChars;
    private final int blockTokens;
    private final int maxBlocks;

    private BlockHasher(@Nullable PromptTokenizer tokenizer, int blockChars, int blockTokens, int maxBlocks) {
        this.tokenizer = tokenizer;
        this.blockChars = blockChars;
        this.blockTokens = blockTokens;
        this.maxBlocks = maxBlocks;
    }

    /** Returns the tokens one block stands for (estimated for character blocks). */
    public int blockTokens() {
        return tokenizer != null ? blockTokens : Math.max(1, blockChars / CHARS_PER_TOKEN);
    }

    /** Returns the most blocks hashed from one prompt. */
    public int maxBlocks() {
        return maxBlocks;
    }

    /** Returns whether blocks are token blocks. */
    public boolean usesTokens() {
        return tokenizer != null;
    }

    /** Returns the chained hashes of the full blocks of {@code prompt} sent to {@code model}. */
    public PrefixBlocks hash(@Nullable String model, String prompt) {
        requireNonNull(prompt, "prompt");
        final byte[] seedBytes = (model == null ? "" : model).getBytes(StandardCharsets.UTF_8);
        long parent = XxHash64.hash(seedBytes, 0, seedBytes.length, 0);
        final PromptTokenizer tokenizer = this.tokenizer;
        if (tokenizer == null) {
            if (prompt.length() < blockChars / 3) {
                return PrefixBlocks.NONE; // cannot reach one block even at three bytes a character
            }
            final String head = prompt.length() > (long) maxBlocks * blockChars
                                ? prompt.substring(0, maxBlocks * blockChars) : prompt;
            final byte[] bytes = head.getBytes(StandardCharsets.UTF_8);
            final int n = Math.min(maxBlocks, bytes.length / blockChars);
            final long[] hashes = new long[n];
            for (int i = 0; i < n; i++) {
                parent = chain(parent, XxHash64.hash(bytes, i * blockChars, blockChars, 0));
                hashes[i] = parent;
            }
            return new PrefixBlocks(hashes, blockTokens());
        }
        final int[] tokens = tokenizer.encode(prompt, maxBlocks * blockTokens);
        final int n = Math.min(maxBlocks, tokens.length / blockTokens);
        if (n == 0) {
            return PrefixBlocks.NONE;
        }
        final byte[] bytes = new byte[n * blockTokens * 4];
        for (int t = 0; t < n * blockTokens; t++) {
            INTS.set(bytes, t * 4, tokens[t]);
        }
        final int blockBytes = blockTokens * 4;
        final long[] hashes = new long[n];
        for (int i = 0; i < n; i++) {
            parent = chain(parent, XxHash64.hash(bytes, i * blockBytes, blockBytes, 0));
            hashes[i] = parent;
        }
        return new PrefixBlocks(hashes, blockTokens);
    }

    // Chains a block's own hash to its parent with the SplitMix64 finalizer. The block hashes do not depend on each
    // other, so the CPU overlaps them; only this cheap step is sequential (GIE hashes block ‖ parent, which is not).
    private static long chain(long parent, long block) {
        long z = parent * 0x9E3779B97F4A7C15L + block;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return tokenizer != null ? "BlockHasher{tokens=" + blockTokens + ", tokenizer=" + tokenizer + ", maxBlocks=" +
                                   maxBlocks + '}'
                                 : "BlockHasher{chars=" + blockChars + ", maxBlocks=" + maxBlocks + '}';
    }
}

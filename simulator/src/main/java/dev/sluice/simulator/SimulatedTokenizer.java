package dev.sluice.simulator;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/**
 * Turns text into the token ids the simulator counts, caches and hashes: every four bytes of UTF-8 make one token.
 *
 * <p>There is no vocabulary. A token's id is a hash of its bytes (four, or fewer for the last token) reduced to
 * {@value #VOCABULARY_SIZE} ids, the size of Llama 3's vocabulary, so equal text gives equal ids and a shared
 * leading text gives shared leading ids. Four bytes per token is close to what BPE tokenizers give for English and
 * is the average the Gateway API Inference Extension's approximate prefix scorer assumes, so one KV block of 16
 * tokens covers exactly the 64 bytes that scorer hashes as one block: for completions prompts the gateway's prefix
 * blocks and the simulator's KV blocks line up one to one. An empty text is one token, as a lone BOS token would be.
 */
public final class SimulatedTokenizer {

    /** The UTF-8 bytes per token. */
    public static final int BYTES_PER_TOKEN = 4;

    /** The number of distinct token ids. */
    public static final int VOCABULARY_SIZE = 128_256;

    private SimulatedTokenizer() {}

    /**
     * Returns the token ids of the given text.
     */
    public static int[] encode(String text) {
        requireNonNull(text, "text");
        final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0) {
            return new int[] { 0 };
        }
        final int[] ids = new int[(bytes.length + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN];
        for (int t = 0; t < ids.length; t++) {
            final int start = t * BYTES_PER_TOKEN;
            final int end = Math.min(bytes.length, start + BYTES_PER_TOKEN);
            long word = end - start; // so that "a" and "a\0" differ
            for (int i = start; i < end; i++) {
                word = word << 8 | (bytes[i] & 0xFF);
            }
            ids[t] = (int) Long.remainderUnsigned(mix(word), VOCABULARY_SIZE);
        }
        return ids;
    }

    /**
     * Returns the number of tokens of the given text, without encoding it.
     */
    public static int count(String text) {
        requireNonNull(text, "text");
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length() &&
                       Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++; // a lone surrogate, which the UTF-8 encoder replaces with '?'
            } else {
                bytes += 3;
            }
        }
        return (int) Math.max(1, (bytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN);
    }

    // The finalizer of SplitMix64.
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

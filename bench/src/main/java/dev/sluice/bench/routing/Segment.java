package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.util.SplittableRandom;

import dev.sluice.simulator.SimulatedTokenizer;

/**
 * A piece of prompt text and its simulator token ids, encoded once so that many requests can share one long segment
 * (a system prompt) without copying it.
 *
 * <p>Segments are ASCII and a multiple of {@link SimulatedTokenizer#BYTES_PER_TOKEN} bytes long, so encoding each
 * segment on its own gives the same tokens as encoding their concatenation: the simulator (which hashes 16-token KV
 * blocks of the token ids) and the gateway (which hashes 64-character blocks of the prompt text) then cut any
 * sequence of segments at the same places.
 */
public final class Segment {

    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz ".toCharArray();

    private final String text;
    private final int[] tokens;

    private Segment(String text) {
        this.text = text;
        tokens = SimulatedTokenizer.encode(text);
    }

    /** Returns a segment of the given text, which must be ASCII and a whole number of simulator tokens long. */
    public static Segment of(String text) {
        requireNonNull(text, "text");
        if (text.isEmpty() || text.length() % SimulatedTokenizer.BYTES_PER_TOKEN != 0) {
            throw new IllegalArgumentException("text: " + text.length() + " chars (expected: a positive multiple of " +
                                               SimulatedTokenizer.BYTES_PER_TOKEN + ')');
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) {
                throw new IllegalArgumentException("text: non-ASCII at " + i + " (expected: ASCII)");
            }
        }
        return new Segment(text);
    }

    /** Returns a segment of {@code tokens} random tokens (lowercase letters and spaces) drawn from {@code random}. */
    public static Segment random(int tokens, SplittableRandom random) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens: " + tokens + " (expected: >= 1)");
        }
        final char[] chars = new char[tokens * SimulatedTokenizer.BYTES_PER_TOKEN];
        for (int i = 0; i < chars.length; i += 4) {
            int bits = random.nextInt();
            for (int j = 0; j < 4; j++) {
                chars[i + j] = ALPHABET[Math.floorMod(bits, ALPHABET.length)];
                bits >>>= 8;
            }
        }
        return new Segment(new String(chars));
    }

    /** Returns the text. */
    public String text() {
        return text;
    }

    /** Returns the simulator token ids; do not modify. */
    public int[] tokens() {
        return tokens;
    }

    /** Returns the length in simulator tokens. */
    public int tokenCount() {
        return tokens.length;
    }

    @Override
    public String toString() {
        return "Segment{" + tokens.length + " tokens}";
    }
}

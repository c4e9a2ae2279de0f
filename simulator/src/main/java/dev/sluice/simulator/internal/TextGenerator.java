package dev.sluice.simulator.internal;

import java.util.SplittableRandom;

/**
 * Makes deterministic pseudo-words: equal seeds give equal text, one word per token.
 */
final class TextGenerator {

    private static final String[] WORDS = {
            "the", "a", "model", "token", "stream", "gateway", "cache", "prefix", "request", "server", "latency",
            "batch", "queue", "of", "and", "to", "in", "is", "that", "for", "with", "on", "as", "by", "from",
            "inference", "routing", "pool", "endpoint", "adapter", "block", "memory", "throughput", "answer",
            "quickly", "slowly", "simply", "every", "some", "many", "few", "first", "next", "last", "small",
            "large", "fast", "steady", "data", "text", "word", "reply", "user", "system", "value", "signal",
            "path", "route", "flow", "limit", "budget", "score", "load", "time" };

    private TextGenerator() {}

    /**
     * Returns {@code count} tokens; every token but the first starts with a space, as BPE tokens of running
     * text do, and every twelfth ends a sentence.
     */
    static String[] tokens(long seed, int count) {
        final SplittableRandom random = new SplittableRandom(seed);
        final String[] tokens = new String[count];
        for (int i = 0; i < count; i++) {
            String word = WORDS[random.nextInt(WORDS.length)];
            if (i % 12 == 11) {
                word += '.';
            }
            tokens[i] = i == 0 ? word : ' ' + word;
        }
        return tokens;
    }

    /**
     * Returns a unit vector of {@code dimensions} floats derived from the seed.
     */
    static float[] embedding(long seed, int dimensions) {
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] vector = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (random.nextDouble() * 2 - 1);
            norm += vector[i] * vector[i];
        }
        final double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
        for (int i = 0; i < dimensions; i++) {
            vector[i] = (float) (vector[i] * scale);
        }
        return vector;
    }
}

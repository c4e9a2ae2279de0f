package dev.sluice.safety.learned;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;

/**
 * A logistic-regression head over sentence embeddings with calibrated thresholds per confidence level. A text cut
 * into several windows scores the maximum over its windows (the unsafe part of a long document decides).
 *
 * @param name the head's name in {@code heads.json}, for example {@code prompt.HATE_SPEECH}
 * @param weights one weight per embedding dimension
 * @param hashed one weight per {@link HashedFeatures} bucket
 * @param bias the intercept
 * @param low the lowest probability reported as {@code LOW}
 * @param medium the lowest probability reported as {@code MEDIUM}
 * @param high the lowest probability reported as {@code HIGH}
 */
public record LinearHead(String name, float[] weights, float[] hashed, float bias, double low, double medium, double high) {

    public LinearHead {
        if (weights.length != MiniLmEmbedder.DIMENSIONS) {
            throw new IllegalArgumentException(name + ": expected " + MiniLmEmbedder.DIMENSIONS + " weights, got "
                    + weights.length);
        }
        if (hashed.length != HashedFeatures.BUCKETS) {
            throw new IllegalArgumentException(name + ": expected " + HashedFeatures.BUCKETS + " hashed weights, got "
                    + hashed.length);
        }
        if (!(low <= medium && medium <= high)) {
            throw new IllegalArgumentException(name + ": thresholds must satisfy low <= medium <= high, got "
                    + low + ", " + medium + ", " + high);
        }
    }

    /** The probability that the text is unsafe judging by one window's embedding and the whole text's words. */
    public double score(float[] embedding, HashedFeatures words) {
        double z = bias + words.dot(hashed);
        for (int i = 0; i < weights.length; i++) {
            z += weights[i] * embedding[i];
        }
        return 1.0 / (1.0 + Math.exp(-z));
    }

    /** The highest probability over the windows. */
    public double score(List<float[]> windows, HashedFeatures words) {
        double best = 0;
        for (float[] w : windows) {
            best = Math.max(best, score(w, words));
        }
        return best;
    }

    /** The confidence level a probability reaches, or {@code null} below {@link #low()}. */
    public @Nullable Confidence level(double probability) {
        if (probability >= high) {
            return Confidence.HIGH;
        }
        if (probability >= medium) {
            return Confidence.MEDIUM;
        }
        if (probability >= low) {
            return Confidence.LOW;
        }
        return null;
    }
}

package dev.sluice.safety.learned;

import java.util.List;

/**
 * A text's inputs to the heads: its window embeddings and its hashed words.
 *
 * @param windows the window embeddings (at least one)
 * @param words the hashed word features of the whole text
 */
public record RowFeatures(List<float[]> windows, HashedFeatures words) {

    /** The head's probability for this text. */
    public double score(LinearHead head) {
        return head.score(windows, words);
    }
}

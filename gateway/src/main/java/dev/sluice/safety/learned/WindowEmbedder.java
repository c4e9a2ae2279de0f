package dev.sluice.safety.learned;

import java.util.List;

/** Turns a text into a few window embeddings for the heads: MiniLM itself, or its distilled static table. */
interface WindowEmbedder extends AutoCloseable {

    /** The text's window embeddings, at most {@code maxWindows} of them and at least one. */
    List<float[]> embedWindows(String text, int maxWindows);

    @Override
    void close();
}

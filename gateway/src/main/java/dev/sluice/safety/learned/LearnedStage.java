package dev.sluice.safety.learned;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Direction;
import dev.sluice.safety.RaiCategory;

/**
 * The learned stage: the MiniLM embedder and the trained heads. Thread-safe; loading takes a second or two (the ONNX
 * model is 23 MB), so the scanner keeps one per JVM.
 */
public final class LearnedStage implements AutoCloseable {

    /** The name of the prompt injection and jailbreak head. */
    public static final String PI_HEAD = "pi_and_jailbreak";

    /** The words-only heads: no embedding model, microseconds per scan. */
    public static final String WORDS_RESOURCE = "/dev/sluice/safety/learned/heads-words.json";

    private static final List<float[]> NO_WINDOWS = List.of(new float[MiniLmEmbedder.DIMENSIONS]);

    private final @Nullable MiniLmEmbedder embedder;
    private final SafetyHeads heads;

    private LearnedStage(@Nullable MiniLmEmbedder embedder, SafetyHeads heads) {
        this.embedder = embedder;
        this.heads = heads;
    }

    /** Loads the model and the committed heads from the classpath. */
    public static LearnedStage load() {
        return load(SafetyHeads.RESOURCE);
    }

    /**
     * Loads heads from a classpath resource; heads trained with {@code maxWindows} 0 ({@code --words-only}) use no
     * embedding and load no model.
     */
    public static LearnedStage load(String resource) {
        SafetyHeads heads = SafetyHeads.loadResource(resource);
        return new LearnedStage(heads.maxWindows() == 0 ? null : MiniLmEmbedder.load(heads.maxTokens(), 1), heads);
    }

    /** The inputs of the heads for {@code text}: a few window embeddings and the hashed words. */
    public RowFeatures features(String text) {
        List<float[]> windows = embedder == null ? NO_WINDOWS : embedder.embedWindows(text, heads.maxWindows());
        return new RowFeatures(windows, HashedFeatures.of(text));
    }

    /** The head's probability, or -1 when the head does not exist. */
    public double probability(String headName, RowFeatures features) {
        LinearHead h = heads.head(headName);
        return h == null ? -1 : features.score(h);
    }

    /** The calibrated level of the head for these features, or {@code null} below LOW (or no such head). */
    public @Nullable Confidence level(String headName, RowFeatures features) {
        LinearHead h = heads.head(headName);
        return h == null ? null : h.level(features.score(h));
    }

    /** The head that screens {@code category} for texts of {@code direction}. */
    public static String raiHead(Direction direction, RaiCategory category) {
        return (direction == Direction.PROMPT ? "prompt." : "response.") + category.name();
    }

    /** What the heads look at: {@code MiniLM windows + hashed words} or {@code hashed words}. */
    public String describe() {
        return embedder == null ? "hashed words" : heads.maxWindows() + " MiniLM windows of " + heads.maxTokens()
                + " tokens + hashed words";
    }

    /** The heads' names. */
    public List<String> headNames() {
        return heads.heads().keySet().stream().sorted().toList();
    }

    @Override
    public void close() {
        if (embedder != null) {
            embedder.close();
        }
    }
}

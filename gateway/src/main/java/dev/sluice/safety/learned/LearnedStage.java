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

    private final MiniLmEmbedder embedder;
    private final SafetyHeads heads;

    private LearnedStage(MiniLmEmbedder embedder, SafetyHeads heads) {
        this.embedder = embedder;
        this.heads = heads;
    }

    /** Loads the model and the committed heads from the classpath. */
    public static LearnedStage load() {
        SafetyHeads heads = SafetyHeads.loadResource(SafetyHeads.RESOURCE);
        return new LearnedStage(MiniLmEmbedder.load(heads.maxTokens(), 1), heads);
    }

    /** The inputs of the heads for {@code text}: a few window embeddings and the hashed words. */
    public RowFeatures features(String text) {
        return new RowFeatures(embedder.embedWindows(text, heads.maxWindows()), HashedFeatures.of(text));
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

    /** The heads' names. */
    public List<String> headNames() {
        return heads.heads().keySet().stream().sorted().toList();
    }

    @Override
    public void close() {
        embedder.close();
    }
}

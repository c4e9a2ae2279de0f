package dev.sluice.safety.learned;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Direction;
import dev.sluice.safety.RaiCategory;

/**
 * The learned stage: the trained heads and the embedding they read (by default MiniLM's distilled static table, a
 * fraction of a millisecond per text; MiniLM itself for heads trained on it). Thread-safe; the scanner keeps one per
 * JVM.
 */
public final class LearnedStage implements AutoCloseable {

    /** The name of the prompt injection and jailbreak head. */
    public static final String PI_HEAD = "pi_and_jailbreak";

    private static final List<float[]> NO_WINDOWS = List.of(new float[MiniLmEmbedder.DIMENSIONS]);

    private final @Nullable WindowEmbedder embedder;
    private final SafetyHeads heads;

    private LearnedStage(@Nullable WindowEmbedder embedder, SafetyHeads heads) {
        this.embedder = embedder;
        this.heads = heads;
    }

    /** The committed heads ({@link SafetyHeads#RESOURCE}) and the embedding they were trained on. */
    public static LearnedStage load() {
        return of(SafetyHeads.loadResource(SafetyHeads.RESOURCE));
    }

    /** Heads from a {@code heads.json} file written by {@link TrainSafetyHeads}, for comparing trainings. */
    public static LearnedStage load(Path headsFile) {
        try {
            return of(SafetyHeads.parse(Files.readString(headsFile)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read safety heads " + headsFile, e);
        }
    }

    private static LearnedStage of(SafetyHeads heads) {
        WindowEmbedder embedder = switch (heads.model()) {
            case SafetyHeads.NONE -> null;
            case SafetyHeads.STATIC -> StaticEmbedder.load(heads.maxTokens());
            case SafetyHeads.MINILM -> MiniLmEmbedder.load(heads.maxTokens(), 1);
            default -> throw new IllegalStateException("safety heads trained on an unknown embedding " + heads.model());
        };
        return new LearnedStage(embedder, heads);
    }

    /** The levels of {@code headNames} for {@code text} (a head below LOW, or unknown, is absent). */
    public Map<String, Confidence> levels(String text, Collection<String> headNames) {
        RowFeatures features = features(text);
        Map<String, Confidence> out = new HashMap<>();
        for (String name : headNames) {
            Confidence c = level(name, features);
            if (c != null) {
                out.put(name, c);
            }
        }
        return out;
    }

    /** The inputs of the heads for {@code text}: its window embeddings and its hashed words. */
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

    /** What the heads look at, for reports: {@code 16 static MiniLM windows of 128 tokens + hashed words}. */
    public String describe() {
        return switch (heads.model()) {
            case SafetyHeads.NONE -> "hashed words";
            case SafetyHeads.STATIC -> heads.maxWindows() + " static MiniLM windows of " + heads.maxTokens()
                    + " word pieces + hashed words";
            default -> heads.maxWindows() + " MiniLM windows of " + heads.maxTokens() + " word pieces + hashed words";
        };
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

package dev.sluice.safety.learned;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

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
    /** Words-only heads that decide clear cases before the embedding is computed, or {@code null} (no cascade). */
    private final @Nullable SafetyHeads gate;
    private final LongAdder assessed = new LongAdder();
    private final LongAdder embedded = new LongAdder();

    private LearnedStage(@Nullable MiniLmEmbedder embedder, SafetyHeads heads, @Nullable SafetyHeads gate) {
        this.embedder = embedder;
        this.heads = heads;
        this.gate = gate;
    }

    /**
     * The committed heads behind a cascade: the words-only heads ({@link #WORDS_RESOURCE}) score every text first, and
     * the MiniLM embedding is computed only when one of the heads asked for falls in its uncertain band
     * {@code [GATE, HIGH)} (see {@link LinearHead#decides(double)}); clear cases cost microseconds.
     */
    public static LearnedStage loadCascade() {
        SafetyHeads heads = SafetyHeads.loadResource(SafetyHeads.RESOURCE);
        SafetyHeads words = SafetyHeads.loadResource(WORDS_RESOURCE);
        if (!heads.heads().keySet().equals(words.heads().keySet())) {
            throw new IllegalStateException("heads.json and heads-words.json name different heads: "
                    + heads.heads().keySet() + " vs " + words.heads().keySet());
        }
        return new LearnedStage(heads.maxWindows() == 0 ? null : MiniLmEmbedder.load(heads.maxTokens(), 1), heads, words);
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
        return new LearnedStage(heads.maxWindows() == 0 ? null : MiniLmEmbedder.load(heads.maxTokens(), 1), heads, null);
    }

    /**
     * The levels of {@code headNames} for {@code text} (a head below LOW, or unknown, is absent). With a cascade the
     * words-only heads decide when each of them is below its gate (no finding) or at or above its HIGH threshold (its
     * own level); otherwise, and without a cascade, the full heads decide from the embedding, computed once.
     */
    public Map<String, Confidence> levels(String text, Collection<String> headNames) {
        assessed.increment();
        HashedFeatures words = HashedFeatures.of(text);
        Map<String, Confidence> out = new HashMap<>();
        if (gate != null) {
            boolean decided = true;
            for (String name : headNames) {
                LinearHead g = gate.head(name);
                if (g == null) {
                    continue;
                }
                double p = g.score(NO_WINDOWS, words);
                if (!g.decides(p)) {
                    decided = false;
                    break;
                }
                Confidence c = g.level(p);
                if (c != null) {
                    out.put(name, c);
                }
            }
            if (decided) {
                return out;
            }
            out.clear();
        }
        List<float[]> windows = NO_WINDOWS;
        if (embedder != null) {
            embedded.increment();
            windows = embedder.embedWindows(text, heads.maxWindows());
        }
        RowFeatures features = new RowFeatures(windows, words);
        for (String name : headNames) {
            Confidence c = level(name, features);
            if (c != null) {
                out.put(name, c);
            }
        }
        return out;
    }

    /** How many texts {@link #levels} has assessed so far. */
    public long assessedTexts() {
        return assessed.sum();
    }

    /** How many of those computed the embedding (all of them without a cascade, none without a model). */
    public long embeddedTexts() {
        return embedded.sum();
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
                + " tokens + hashed words" + (gate == null ? "" : ", behind the words-only cascade");
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

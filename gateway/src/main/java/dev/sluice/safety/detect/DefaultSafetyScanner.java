package dev.sluice.safety.detect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.UriFinding;
import dev.sluice.safety.learned.LearnedStage;

/**
 * The in-process scanner: the rules stage (validators, patterns, lexicons, URL heuristics and blocklist) and, when
 * loaded, the learned stage (calibrated linear heads over static MiniLM embeddings and hashed words) for prompt
 * injection and jailbreak and the RAI categories. A family's confidence is the higher of the two stages'. Work is done
 * only for the families asked for; the features are computed at most once per scan. Thread-safe.
 */
public final class DefaultSafetyScanner implements SafetyScanner {

    private static final Logger log = LoggerFactory.getLogger(DefaultSafetyScanner.class);

    private final SensitiveDataDetector sensitive = new SensitiveDataDetector();
    private final InjectionRules injection = new InjectionRules();
    private final ContentRules content = new ContentRules();
    private final MaliciousUrlDetector urls;
    private final @Nullable LearnedStage learned;

    private DefaultSafetyScanner(UrlBlocklist blocklist, @Nullable LearnedStage learned) {
        this.urls = new MaliciousUrlDetector(blocklist);
        this.learned = learned;
    }

    /** Loads the learned stage once per JVM, on first use. */
    private static final class Shared {
        static final LearnedStage LEARNED = timed(LearnedStage::load);
        static final DefaultSafetyScanner DEFAULT = new DefaultSafetyScanner(UrlBlocklist.bundled(), LEARNED);
    }

    private static LearnedStage timed(java.util.function.Supplier<LearnedStage> loader) {
        long t0 = System.nanoTime();
        LearnedStage stage = loader.get();
        log.info("safety learned stage ({}) loaded in {} ms", stage.describe(), (System.nanoTime() - t0) / 1_000_000);
        return stage;
    }

    /**
     * The scanner with both stages and the bundled URL blocklist; the first call loads the committed heads and their
     * embedding table (a few hundred milliseconds), later calls return the same instance.
     */
    public static DefaultSafetyScanner load() {
        return Shared.DEFAULT;
    }

    /** Both stages, with the bundled URL blocklist plus {@code blocklistFile}, re-read when it changes. */
    public static DefaultSafetyScanner load(Path blocklistFile) {
        return new DefaultSafetyScanner(UrlBlocklist.withUserFile(blocklistFile), Shared.LEARNED);
    }

    /** Both stages with the heads of {@code headsFile} instead of the committed ones (to compare trainings). */
    public static DefaultSafetyScanner withHeads(Path headsFile) {
        return new DefaultSafetyScanner(UrlBlocklist.bundled(), timed(() -> LearnedStage.load(headsFile)));
    }

    /** The rules stage only (no model is loaded), with the bundled URL blocklist. */
    public static DefaultSafetyScanner rulesOnly() {
        return new DefaultSafetyScanner(UrlBlocklist.bundled(), null);
    }

    /** The rules stage only, with the bundled URL blocklist plus {@code blocklistFile}. */
    public static DefaultSafetyScanner rulesOnly(Path blocklistFile) {
        return new DefaultSafetyScanner(UrlBlocklist.withUserFile(blocklistFile), null);
    }

    /** A short description for reports: which stages and heads run. */
    public String describe() {
        return learned == null ? "rules only" : "rules + learned (" + learned.describe() + ")";
    }

    /** Whether this scanner runs the learned stage. */
    public boolean hasLearnedStage() {
        return learned != null;
    }

    @Override
    public Detection scan(String text, Direction direction, Set<FilterKind> filters) {
        boolean pi = filters.contains(FilterKind.PI_AND_JAILBREAK) && atLeastThreeWords(text);
        boolean rai = filters.contains(FilterKind.RAI);
        boolean csam = filters.contains(FilterKind.CSAM);
        TextView view = new TextView(text);
        Map<String, Confidence> levels = Map.of();
        if (learned != null && (pi || rai) && !text.isBlank()) {
            List<String> heads = new ArrayList<>(5);
            if (pi) {
                heads.add(LearnedStage.PI_HEAD);
            }
            if (rai) {
                for (RaiCategory c : RaiCategory.values()) {
                    heads.add(LearnedStage.raiHead(direction, c));
                }
            }
            levels = learned.levels(text, heads);
        }

        Confidence piConfidence = null;
        if (pi) {
            piConfidence = max(injection.confidence(view), levels.get(LearnedStage.PI_HEAD));
        }
        Map<RaiCategory, Confidence> raiFound = new EnumMap<>(RaiCategory.class);
        if (rai) {
            raiFound.putAll(content.rai(view));
            if (!levels.isEmpty()) {
                for (RaiCategory c : RaiCategory.values()) {
                    Confidence l = max(raiFound.get(c), levels.get(LearnedStage.raiHead(direction, c)));
                    if (l != null) {
                        raiFound.put(c, l);
                    }
                }
            }
        }
        Confidence csamConfidence = csam ? content.csam(view) : null;
        List<SensitiveFinding> sdp = filters.contains(FilterKind.SDP) ? sensitive.find(view) : List.of();
        List<UriFinding> bad = filters.contains(FilterKind.MALICIOUS_URIS) ? urls.find(view) : List.of();
        if (piConfidence == null && raiFound.isEmpty() && csamConfidence == null && sdp.isEmpty() && bad.isEmpty()) {
            return Detection.NONE;
        }
        return new Detection(piConfidence, raiFound, csamConfidence, sdp, bad);
    }

    /** Model Armor does not match prompt injection on inputs of fewer than three words. */
    static boolean atLeastThreeWords(String text) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0, n = text.length(); i < n; i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord && ++words >= 3) {
                return true;
            }
            inWord = !space;
        }
        return false;
    }

    private static @Nullable Confidence max(@Nullable Confidence a, @Nullable Confidence b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) >= 0 ? a : b;
    }
}

package dev.sluice.safety.learned;

import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Which rows a head learns from: a row is a positive, a negative or left out. The choices are documented in
 * {@code docs/safety-detectors.md}.
 *
 * @param name the head's name
 * @param positives categories whose unsafe rows are positives
 * @param responseHead whether the head screens model responses (trained on {@code response*.jsonl} too)
 * @param benignFprCap the most false positives on {@code benign.jsonl} calibration rows the MEDIUM threshold may
 *     allow, or a negative number for no cap
 * @param full the fit settings of a head that reads an embedding beside the hashed words
 * @param words the fit settings of a head that reads the hashed words alone
 */
record HeadSpec(String name, Set<String> positives, boolean responseHead, double benignFprCap, FitSettings full,
                FitSettings words) {

    private static final Set<String> RAI = Set.of("HATE_SPEECH", "HARASSMENT", "DANGEROUS", "SEXUALLY_EXPLICIT");
    private static final Set<String> ATTACKS = Set.of("JAILBREAK", "PROMPT_INJECTION");

    // Fit settings (heads reading an embedding, chosen with the static table; heads reading the hashed words alone)
    // chosen by TrainSafetyHeads --tune on the calibration split; the grid and its results are in
    // docs/safety-detectors.md.
    static final java.util.List<HeadSpec> ALL = java.util.List.of(
            new HeadSpec("pi_and_jailbreak", ATTACKS, false, 0.025, fit(1e-6, 0.5), fit(1e-5, 2.0)),
            new HeadSpec("prompt.HATE_SPEECH", Set.of("HATE_SPEECH"), false, -1, fit(1e-5, 1.0), fit(1e-5, 2.0)),
            new HeadSpec("prompt.HARASSMENT", Set.of("HARASSMENT"), false, -1, fit(1e-5, 1.0), fit(1e-5, 1.0)),
            new HeadSpec("prompt.DANGEROUS", Set.of("DANGEROUS"), false, -1, fit(1e-5, 2.0), fit(1e-5, 0.5)),
            new HeadSpec("prompt.SEXUALLY_EXPLICIT", Set.of("SEXUALLY_EXPLICIT"), false, -1, fit(1e-3, 1.0), fit(1e-4, 1.0)),
            new HeadSpec("response.HATE_SPEECH", Set.of("HATE_SPEECH"), true, -1, fit(1e-5, 0.5), fit(1e-4, 1.0)),
            new HeadSpec("response.HARASSMENT", Set.of("HARASSMENT"), true, -1, fit(1e-5, 0.5), fit(1e-4, 1.0)),
            new HeadSpec("response.DANGEROUS", Set.of("DANGEROUS"), true, -1, fit(1e-6, 2.0), fit(1e-5, 1.0)),
            new HeadSpec("response.SEXUALLY_EXPLICIT", Set.of("SEXUALLY_EXPLICIT"), true, -1, fit(1e-5, 0.5), fit(1e-4, 2.0)));

    private static FitSettings fit(double l2, double positiveWeight) {
        return new FitSettings(l2, positiveWeight);
    }

    /** {@code TRUE} for a positive, {@code FALSE} for a negative, {@code null} when the row is left out. */
    @Nullable Boolean label(LabelledText r) {
        boolean responseRow = r.isResponse();
        if (ATTACKS.equals(positives)) {
            // Model Armor screens responses for injection too; no response in the data is one, and refusals that
            // quote the request ("I can't help you bypass ...") must not read as attacks.
            return !responseRow && r.unsafe() && ATTACKS.contains(r.category());
        }
        String cat = positives.iterator().next();
        if (responseRow && !responseHead) {
            return null;
        }
        if (!r.unsafe()) {
            return Boolean.FALSE;
        }
        if (r.category().equals(cat)) {
            return Boolean.TRUE;
        }
        // PROFANITY and OTHER_HARM are neither of the four categories nor clearly safe: left out. Jailbreak and
        // injection rows wrap harmful requests of every category: left out. Hate and harassment overlap (OLID's
        // targeted insults at groups and at persons are the same kind of text): left out of each other.
        if (r.category().equals("PROFANITY") || r.category().equals("OTHER_HARM") || ATTACKS.contains(r.category())) {
            return null;
        }
        if ((cat.equals("HATE_SPEECH") && r.category().equals("HARASSMENT"))
                || (cat.equals("HARASSMENT") && r.category().equals("HATE_SPEECH"))) {
            return null;
        }
        return Boolean.FALSE; // another RAI category or sensitive data
    }

    /** The fit settings for heads reading {@code embedding}. */
    FitSettings fit(TrainSafetyHeads.Embedding embedding) {
        return embedding == TrainSafetyHeads.Embedding.NONE ? words : full;
    }

    /** Rows of {@code response*.jsonl} count more in response heads: they are the texts those heads screen. */
    double weight(LabelledText r) {
        return responseHead && r.isResponse() ? 3.0 : 1.0;
    }

    /** Whether a row belongs to the slice the head is evaluated and calibrated on. */
    boolean evaluatedOn(LabelledText r) {
        return !responseHead || r.isResponse();
    }

    static boolean isRai(String category) {
        return RAI.contains(category);
    }
}

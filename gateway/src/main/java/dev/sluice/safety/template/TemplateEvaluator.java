package dev.sluice.safety.template;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.detect.Deidentifier;
import dev.sluice.safety.template.Sanitization.Invocation;
import dev.sluice.safety.template.Sanitization.Outcome;
import dev.sluice.safety.template.Sanitization.SdpOutcome;

/**
 * Applies a {@link SafetyTemplate} to what the detectors found in a text: a filter matches when its confidence is at
 * or above the template's level (Model Armor's rule), the overall verdict is MATCH_FOUND when any filter matched.
 */
public final class TemplateEvaluator {

    /** Model Armor never matches prompt injection on inputs of fewer than three words. */
    static final int MIN_WORDS_FOR_INJECTION = 3;

    private TemplateEvaluator() {}

    /** Evaluates {@code detection} of {@code text}; every filter ran. */
    public static Sanitization evaluate(SafetyTemplate t, String text, Detection detection) {
        return evaluate(t, text, detection, Map.of());
    }

    /**
     * Evaluates {@code detection} of {@code text}.
     *
     * @param skipped filter families that could not run, with why (they are reported EXECUTION_SKIPPED and do not
     *     match)
     */
    public static Sanitization evaluate(SafetyTemplate t, String text, Detection detection,
                                        Map<FilterKind, String> skipped) {
        final Outcome csam = outcome(FilterKind.CSAM, skipped, detection.csam(), t.csam());

        final Outcome pi;
        if (t.piAndJailbreak() == null) {
            pi = Outcome.NO_MATCH;
        } else if (skipped.containsKey(FilterKind.PI_AND_JAILBREAK)) {
            pi = Outcome.skipped(skipped.get(FilterKind.PI_AND_JAILBREAK));
        } else if (words(text, MIN_WORDS_FOR_INJECTION) < MIN_WORDS_FOR_INJECTION) {
            pi = Outcome.NO_MATCH;
        } else {
            pi = outcome(FilterKind.PI_AND_JAILBREAK, skipped, detection.piAndJailbreak(), t.piAndJailbreak());
        }

        final Map<RaiCategory, Outcome> types = new EnumMap<>(RaiCategory.class);
        boolean raiMatched = false;
        Confidence raiTop = null;
        for (RaiCategory c : RaiCategory.values()) {
            final Confidence threshold = t.rai().get(c);
            final Outcome o = threshold == null ? Outcome.NO_MATCH
                              : outcome(FilterKind.RAI, skipped, detection.rai().get(c), threshold);
            types.put(c, o);
            if (o.matched()) {
                raiMatched = true;
                raiTop = raiTop == null || o.confidence().compareTo(raiTop) > 0 ? o.confidence() : raiTop;
            }
        }
        final Outcome rai = t.rai().isEmpty() ? Outcome.NO_MATCH
                            : skipped.containsKey(FilterKind.RAI) ? Outcome.skipped(skipped.get(FilterKind.RAI))
                            : new Outcome(true, raiMatched, raiTop, null);

        final Outcome uris;
        List<dev.sluice.safety.UriFinding> uriItems = List.of();
        if (!t.maliciousUris()) {
            uris = Outcome.NO_MATCH;
        } else if (skipped.containsKey(FilterKind.MALICIOUS_URIS)) {
            uris = Outcome.skipped(skipped.get(FilterKind.MALICIOUS_URIS));
        } else {
            uriItems = detection.maliciousUris();
            uris = new Outcome(true, !uriItems.isEmpty(), null, null);
        }

        final SdpOutcome sdp = sdp(t, text, detection, skipped);

        final boolean matched = csam.matched() || pi.matched() || rai.matched() || uris.matched() ||
                                sdp.outcome().matched();
        final List<Outcome> all = List.of(csam, pi, rai, uris, sdp.outcome());
        final long ran = all.stream().filter(Outcome::executed).count();
        final Invocation invocation = ran == all.size() ? Invocation.SUCCESS
                                      : ran == 0 ? Invocation.FAILURE : Invocation.PARTIAL;
        return new Sanitization(t.name(), matched, csam, uris, uriItems, rai, types, pi, sdp, invocation,
                                t.ignorePartialInvocationFailures());
    }

    private static Outcome outcome(FilterKind kind, Map<FilterKind, String> skipped, @Nullable Confidence found,
                                   Confidence threshold) {
        if (skipped.containsKey(kind)) {
            return Outcome.skipped(skipped.get(kind));
        }
        if (found != null && found.atLeast(threshold)) {
            return new Outcome(true, true, found, null);
        }
        return Outcome.NO_MATCH;
    }

    private static SdpOutcome sdp(SafetyTemplate t, String text, Detection detection,
                                  Map<FilterKind, String> skipped) {
        final SafetyTemplate.Sdp s = t.sdp();
        if (s == null) {
            return new SdpOutcome(Outcome.NO_MATCH, List.of(), null, List.of());
        }
        if (skipped.containsKey(FilterKind.SDP)) {
            return new SdpOutcome(Outcome.skipped(skipped.get(FilterKind.SDP)), List.of(), null, List.of());
        }
        final List<SensitiveFinding> findings = new ArrayList<>();
        for (SensitiveFinding f : detection.sensitive()) {
            if (s.infoTypes().contains(f.infoType()) && f.likelihood().atLeast(s.minLikelihood()) &&
                f.end() <= text.length()) {
                findings.add(f);
            }
        }
        final SafetyTemplate.Deidentify d = s.deidentify();
        if (d == null) {
            return new SdpOutcome(new Outcome(true, !findings.isEmpty(), top(findings), null), findings, null,
                                  List.of());
        }
        final List<SensitiveFinding> transformed = findings.stream().filter(f -> d.infoTypes().contains(f.infoType()))
                                                           .toList();
        final String out = transformed.isEmpty() ? text
                           : d.transform() == SafetyTemplate.Transform.MASK
                             ? Deidentifier.mask(text, transformed, d.maskingCharacter())
                             : Deidentifier.replaceWithInfoType(text, transformed);
        final List<String> types = transformed.stream().map(SensitiveFinding::infoType).distinct().sorted().toList();
        // Google: "MATCH_FOUND if content is de-identified".
        return new SdpOutcome(new Outcome(true, !transformed.isEmpty(), top(transformed), null), findings, out,
                              types);
    }

    private static @Nullable Confidence top(List<SensitiveFinding> findings) {
        Confidence top = null;
        for (SensitiveFinding f : findings) {
            top = top == null || f.likelihood().compareTo(top) > 0 ? f.likelihood() : top;
        }
        return top;
    }

    /** Counts whitespace-separated words, stopping once {@code enough} are seen. */
    static int words(String text, int enough) {
        int count = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length() && count < enough; i++) {
            final boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                count++;
            }
            inWord = !space;
        }
        return count;
    }

    /** Returns the filter families of {@code t} minus those in {@code skipped}. */
    static Set<FilterKind> toRun(SafetyTemplate t, Set<FilterKind> skipped) {
        final Set<FilterKind> kinds = java.util.EnumSet.copyOf(t.filters());
        kinds.removeAll(skipped);
        return kinds;
    }
}

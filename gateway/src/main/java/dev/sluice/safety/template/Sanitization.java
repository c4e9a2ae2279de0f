package dev.sluice.safety.template;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.UriFinding;

/**
 * A template applied to one text: each filter's outcome and the overall verdict, what Model Armor's
 * {@code sanitizationResult} reports and what the {@code safety} extension enforces.
 *
 * @param template the template's name
 * @param matched whether any filter matched ({@code filterMatchState} MATCH_FOUND)
 * @param csam the CSAM filter (always run)
 * @param maliciousUris the malicious-URL filter, with the URLs that matched
 * @param rai the responsible-AI filter as a whole, with {@code raiTypes} per category
 * @param raiTypes the outcome per category (categories the template does not enable never match)
 * @param piAndJailbreak the prompt-injection and jailbreak filter
 * @param sdp the sensitive-data filter
 * @param invocation SUCCESS, PARTIAL or FAILURE, from how many filters ran
 * @param ignorePartialInvocationFailures the template's setting, passed through
 */
public record Sanitization(String template, boolean matched, Outcome csam, Outcome maliciousUris,
                           List<UriFinding> maliciousUriItems, Outcome rai, Map<RaiCategory, Outcome> raiTypes,
                           Outcome piAndJailbreak, SdpOutcome sdp, Invocation invocation,
                           boolean ignorePartialInvocationFailures) {

    /** {@code invocationResult}. */
    public enum Invocation { SUCCESS, PARTIAL, FAILURE }

    /**
     * One filter's outcome.
     *
     * @param executed whether the filter ran ({@code EXECUTION_SUCCESS}) or was skipped ({@code EXECUTION_SKIPPED})
     * @param matched whether it matched
     * @param confidence the confidence of a match, else {@code null}
     * @param error why it was skipped, else {@code null}
     */
    public record Outcome(boolean executed, boolean matched, @Nullable Confidence confidence,
                          @Nullable String error) {
        public static final Outcome NO_MATCH = new Outcome(true, false, null, null);

        /** A filter that could not run. */
        public static Outcome skipped(String why) {
            return new Outcome(false, false, null, why);
        }
    }

    /**
     * The sensitive-data filter's outcome: findings (inspect), or the transformed text (de-identify).
     *
     * @param outcome whether it ran and matched
     * @param findings the findings at or above the template's likelihood, of its info types
     * @param deidentified the de-identified text when the template de-identifies, else {@code null}
     * @param deidentifiedTypes the info types that were transformed
     */
    public record SdpOutcome(Outcome outcome, List<SensitiveFinding> findings, @Nullable String deidentified,
                             List<String> deidentifiedTypes) {}

    public Sanitization {
        maliciousUriItems = List.copyOf(maliciousUriItems);
        raiTypes = Map.copyOf(raiTypes);
    }

    /**
     * Returns the names of the filters that matched, as the {@code filterResults} keys name them ({@code csam},
     * {@code malicious_uris}, {@code rai}, {@code pi_and_jailbreak}, {@code sdp}), for metrics and logs.
     */
    public List<String> matchedFilters() {
        final java.util.ArrayList<String> names = new java.util.ArrayList<>(5);
        if (csam.matched()) {
            names.add("csam");
        }
        if (maliciousUris.matched()) {
            names.add("malicious_uris");
        }
        if (rai.matched()) {
            names.add("rai");
        }
        if (piAndJailbreak.matched()) {
            names.add("pi_and_jailbreak");
        }
        if (sdp.outcome().matched()) {
            names.add("sdp");
        }
        return names;
    }

    /**
     * Returns whether the only match is sensitive data that the template de-identified, so that the text can go on
     * in its de-identified form rather than being blocked.
     */
    public boolean onlyDeidentified() {
        return matched && sdp.deidentified() != null && matchedFilters().equals(List.of("sdp"));
    }

    /**
     * Returns a short human-readable reason, in the form of Model Armor's {@code sanitizationVerdictReason}, such as
     * "The prompt violated Responsible AI Safety settings (Dangerous), SDP/PII filters."; empty when nothing matched.
     */
    public String reason(dev.sluice.safety.Direction direction) {
        if (!matched) {
            return "";
        }
        final List<String> parts = new java.util.ArrayList<>();
        if (rai.matched()) {
            final List<String> cats = raiTypes.entrySet().stream().filter(e -> e.getValue().matched())
                                              .map(e -> title(e.getKey())).sorted().toList();
            parts.add("Responsible AI Safety settings (" + String.join(", ", cats) + ')');
        }
        if (piAndJailbreak.matched()) {
            parts.add("Prompt Injection and Jailbreak");
        }
        if (maliciousUris.matched()) {
            parts.add("Malicious URI");
        }
        if (csam.matched()) {
            parts.add("CSAM");
        }
        if (sdp.outcome().matched()) {
            parts.add("SDP/PII");
        }
        return "The " + (direction == dev.sluice.safety.Direction.PROMPT ? "prompt" : "response") + " violated " +
               String.join(", ", parts) + " filters.";
    }

    private static String title(RaiCategory c) {
        return switch (c) {
            case SEXUALLY_EXPLICIT -> "Sexually Explicit";
            case HATE_SPEECH -> "Hate Speech";
            case HARASSMENT -> "Harassment";
            case DANGEROUS -> "Dangerous";
        };
    }
}

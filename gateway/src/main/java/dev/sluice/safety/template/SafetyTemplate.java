package dev.sluice.safety.template;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.Resources.RaiFilterSpec;
import dev.sluice.config.Resources.SafetyGuardSpec;
import dev.sluice.config.Resources.SafetyTemplateMetadata;
import dev.sluice.config.Resources.SafetyTemplateSpec;
import dev.sluice.config.Resources.SdpDeidentifySpec;
import dev.sluice.config.Resources.SdpSettingsSpec;
import dev.sluice.safety.Confidence;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.RaiCategory;

/**
 * A compiled {@code SafetyTemplate}: the thresholds of each filter and what to do on a match.
 *
 * @param name the template's name ({@code metadata.name})
 * @param rai the lowest matching confidence per enabled responsible-AI category
 * @param piAndJailbreak the lowest matching confidence of the prompt-injection filter, or {@code null} when disabled
 * @param maliciousUris whether the malicious-URL filter is enabled
 * @param sdp the sensitive-data settings, or {@code null} when disabled
 * @param csam the lowest matching confidence of the always-on CSAM filter
 * @param inspectOnly whether matches are only recorded ({@code INSPECT_ONLY}) rather than blocked
 * @param promptError the status and message a blocked prompt gets
 * @param responseError the status and message a blocked response gets
 * @param logSanitizeOperations whether screened texts and results may be logged
 * @param logTemplateOperations whether template loads are logged
 * @param ignorePartialInvocationFailures passed through into {@code sanitizationMetadata}
 * @param guard the external guard consulted with the detectors, or {@code null}
 */
public record SafetyTemplate(String name, Map<RaiCategory, Confidence> rai, @Nullable Confidence piAndJailbreak,
                             boolean maliciousUris, @Nullable Sdp sdp, Confidence csam, boolean inspectOnly,
                             BlockError promptError, BlockError responseError, boolean logSanitizeOperations,
                             boolean logTemplateOperations, boolean ignorePartialInvocationFailures,
                             @Nullable SafetyGuardSpec guard) {

    /**
     * The default when a confidence level is unspecified: Google's console, REST enum and RAI field disagree (HIGH,
     * LOW_AND_ABOVE, per type); Sluice uses MEDIUM_AND_ABOVE, the level the seed and Google's overview recommend.
     */
    public static final Confidence DEFAULT_CONFIDENCE = Confidence.MEDIUM;

    /** The message of the GKE integration's block response when the template sets none. */
    public static final String DEFAULT_BLOCK_MESSAGE = "Malicious trial";

    /** How sensitive data is de-identified. */
    public enum Transform { MASK, REPLACE_WITH_INFO_TYPE }

    /**
     * Sensitive-data settings: the info types inspected and the lowest likelihood reported; with {@code deidentify}
     * the text is also transformed (advanced config with a de-identify template).
     */
    public record Sdp(boolean basic, Set<String> infoTypes, Confidence minLikelihood,
                      @Nullable Deidentify deidentify) {
        public Sdp {
            infoTypes = Set.copyOf(infoTypes);
        }
    }

    /** A de-identify template: which types are transformed, and how. */
    public record Deidentify(Transform transform, char maskingCharacter, Set<String> infoTypes) {
        public Deidentify {
            infoTypes = Set.copyOf(infoTypes);
        }
    }

    /** The HTTP status and message of a block; {@code custom} when the template set either. */
    public record BlockError(int status, String message, boolean custom) {}

    public SafetyTemplate {
        rai = rai.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(rai));
    }

    /** Compiles a validated {@code SafetyTemplate} spec. */
    public static SafetyTemplate of(String name, SafetyTemplateSpec spec) {
        final Map<RaiCategory, Confidence> rai = new EnumMap<>(RaiCategory.class);
        for (RaiFilterSpec f : spec.filterConfig().raiFilters()) {
            rai.put(RaiCategory.valueOf(f.filterType()), level(f.confidenceLevel()));
        }
        final var pi = spec.filterConfig().piAndJailbreak();
        final Confidence piLevel = pi != null && "ENABLED".equals(pi.filterEnforcement())
                                   ? level(pi.confidenceLevel()) : null;
        final SafetyTemplateMetadata m = spec.templateMetadata();
        return new SafetyTemplate(name, rai, piLevel, "ENABLED".equals(spec.filterConfig().maliciousUriEnforcement()),
                                  sdp(spec.filterConfig().sdp()), DEFAULT_CONFIDENCE,
                                  "INSPECT_ONLY".equals(m.enforcementType()),
                                  error(m.customPromptSafetyErrorCode(), m.customPromptSafetyErrorMessage()),
                                  error(m.customLlmResponseSafetyErrorCode(), m.customLlmResponseSafetyErrorMessage()),
                                  m.logSanitizeOperations(), m.logTemplateOperations(),
                                  m.ignorePartialInvocationFailures(), spec.guard());
    }

    private static BlockError error(@Nullable Integer code, @Nullable String message) {
        return new BlockError(code != null ? code : 403, message != null ? message : DEFAULT_BLOCK_MESSAGE,
                              code != null || message != null);
    }

    private static @Nullable Sdp sdp(@Nullable SdpSettingsSpec s) {
        if (s == null) {
            return null;
        }
        if (s.inspect() == null) {
            return "ENABLED".equals(s.basicEnforcement()) ? new Sdp(true, InfoTypes.BASIC, Confidence.LOW, null)
                                                          : null;
        }
        final SdpDeidentifySpec d = s.deidentify();
        Deidentify deidentify = null;
        if (d != null) {
            deidentify = new Deidentify(Transform.valueOf(d.transform()), d.maskingCharacter().charAt(0),
                                        d.infoTypes().isEmpty() ? Set.copyOf(s.inspect().infoTypes())
                                                                : Set.copyOf(d.infoTypes()));
        }
        return new Sdp(false, Set.copyOf(s.inspect().infoTypes()), likelihood(s.inspect().minLikelihood()),
                       deidentify);
    }

    /** Maps a {@code DetectionConfidenceLevel} name to the detectors' confidence. */
    static Confidence level(String name) {
        return switch (name) {
            case "LOW_AND_ABOVE" -> Confidence.LOW;
            case "HIGH" -> Confidence.HIGH;
            case "MEDIUM_AND_ABOVE" -> Confidence.MEDIUM;
            default -> DEFAULT_CONFIDENCE;
        };
    }

    /** Maps an {@code SdpFindingLikelihood} name to the detectors' confidence (POSSIBLE and below are LOW). */
    static Confidence likelihood(String name) {
        return switch (name) {
            case "LIKELY" -> Confidence.MEDIUM;
            case "VERY_LIKELY" -> Confidence.HIGH;
            default -> Confidence.LOW;
        };
    }

    /** Returns the {@code DetectionConfidenceLevel} name of a detector confidence, as results report it. */
    public static String levelName(Confidence c) {
        return switch (c) {
            case LOW -> "LOW_AND_ABOVE";
            case MEDIUM -> "MEDIUM_AND_ABOVE";
            case HIGH -> "HIGH";
        };
    }

    /** Returns the {@code SdpFindingLikelihood} name of a finding's confidence. */
    public static String likelihoodName(Confidence c) {
        return switch (c) {
            case LOW -> "POSSIBLE";
            case MEDIUM -> "LIKELY";
            case HIGH -> "VERY_LIKELY";
        };
    }

    /** Returns the filter families a scan for this template must run (CSAM always). */
    public Set<FilterKind> filters() {
        final EnumSet<FilterKind> kinds = EnumSet.of(FilterKind.CSAM);
        if (!rai.isEmpty()) {
            kinds.add(FilterKind.RAI);
        }
        if (piAndJailbreak != null) {
            kinds.add(FilterKind.PI_AND_JAILBREAK);
        }
        if (maliciousUris) {
            kinds.add(FilterKind.MALICIOUS_URIS);
        }
        if (sdp != null) {
            kinds.add(FilterKind.SDP);
        }
        return kinds;
    }

    /** Returns the block error for a direction. */
    public BlockError error(dev.sluice.safety.Direction direction) {
        return direction == dev.sluice.safety.Direction.PROMPT ? promptError : responseError;
    }

    /** Lists the info types of the basic config, for documentation and tests. */
    static List<String> basicInfoTypes() {
        return InfoTypes.BASIC.stream().sorted().toList();
    }
}

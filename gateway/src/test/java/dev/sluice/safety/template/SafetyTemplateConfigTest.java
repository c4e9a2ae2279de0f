package dev.sluice.safety.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.safety.Confidence;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.RaiCategory;

class SafetyTemplateConfigTest {

    static final Set<String> SERVICES = Set.of("safety");

    /** The seed's template {@code llm}, as created with gcloud in the brief. */
    static final String SEED_LLM = """
            apiVersion: sluice.dev/v1alpha1
            kind: SafetyTemplate
            metadata: {name: llm}
            spec:
              filterConfig:
                piAndJailbreakFilterSettings: {filterEnforcement: ENABLED, confidenceLevel: MEDIUM_AND_ABOVE}
                raiSettings:
                  raiFilters:
                  - {filterType: HATE_SPEECH, confidenceLevel: MEDIUM_AND_ABOVE}
                  - {filterType: DANGEROUS, confidenceLevel: MEDIUM_AND_ABOVE}
                  - {filterType: HARASSMENT, confidenceLevel: MEDIUM_AND_ABOVE}
                  - {filterType: SEXUALLY_EXPLICIT, confidenceLevel: MEDIUM_AND_ABOVE}
              templateMetadata:
                logSanitizeOperations: true
                logTemplateOperations: true
            """;

    @TempDir
    Path dir;

    @Test
    void compilesTheSeedTemplate() throws Exception {
        final SafetyTemplate t = load(SEED_LLM);
        assertThat(t.name()).isEqualTo("llm");
        assertThat(t.piAndJailbreak()).isEqualTo(Confidence.MEDIUM);
        assertThat(t.rai()).containsOnlyKeys(RaiCategory.values()).containsValue(Confidence.MEDIUM)
                           .doesNotContainValue(Confidence.HIGH);
        assertThat(t.maliciousUris()).isFalse();
        assertThat(t.sdp()).isNull();
        assertThat(t.inspectOnly()).isFalse();
        assertThat(t.logSanitizeOperations()).isTrue();
        assertThat(t.promptError()).isEqualTo(new SafetyTemplate.BlockError(403, "Malicious trial", false));
        assertThat(t.filters()).containsExactlyInAnyOrder(FilterKind.CSAM, FilterKind.PI_AND_JAILBREAK,
                                                          FilterKind.RAI);
    }

    @Test
    void unspecifiedLevelsTakeTheDocumentedDefaultAndUnspecifiedEnforcementIsDisabled() throws Exception {
        final SafetyTemplate t = load("""
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: t}
                spec:
                  filterConfig:
                    piAndJailbreakFilterSettings: {filterEnforcement: ENABLED}
                    raiSettings:
                      raiFilters:
                      - {filterType: DANGEROUS, confidenceLevel: DETECTION_CONFIDENCE_LEVEL_UNSPECIFIED}
                      - {filterType: HARASSMENT}
                    maliciousUriFilterSettings: {filterEnforcement: MALICIOUS_URI_FILTER_ENFORCEMENT_UNSPECIFIED}
                    sdpSettings: {basicConfig: {filterEnforcement: ENABLED}}
                  templateMetadata:
                    enforcementType: ENFORCEMENT_TYPE_UNSPECIFIED
                    customLlmResponseSafetyErrorCode: 451
                    customLlmResponseSafetyErrorMessage: Response withheld
                """);
        assertThat(SafetyTemplate.DEFAULT_CONFIDENCE).isEqualTo(Confidence.MEDIUM);
        assertThat(t.piAndJailbreak()).isEqualTo(Confidence.MEDIUM);
        assertThat(t.rai()).isEqualTo(Map.of(RaiCategory.DANGEROUS, Confidence.MEDIUM,
                                             RaiCategory.HARASSMENT, Confidence.MEDIUM));
        assertThat(t.maliciousUris()).isFalse();
        assertThat(t.sdp().basic()).isTrue();
        assertThat(t.sdp().infoTypes()).isEqualTo(InfoTypes.BASIC);
        assertThat(t.inspectOnly()).as("UNSPECIFIED is INSPECT_AND_BLOCK").isFalse();
        assertThat(t.error(Direction.RESPONSE)).isEqualTo(new SafetyTemplate.BlockError(451, "Response withheld",
                                                                                         true));
        assertThat(t.error(Direction.PROMPT).status()).isEqualTo(403);
    }

    @Test
    void advancedSdpConfigIsDefinedInLine() throws Exception {
        final SafetyTemplate t = load("""
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: t}
                spec:
                  filterConfig:
                    sdpSettings:
                      advancedConfig:
                        inspectTemplate: {infoTypes: [CREDIT_CARD_NUMBER, US_SOCIAL_SECURITY_NUMBER], minLikelihood: LIKELY}
                        deidentifyTemplate: {transform: MASK, maskingCharacter: "#", infoTypes: [CREDIT_CARD_NUMBER]}
                  templateMetadata: {enforcementType: INSPECT_ONLY}
                """);
        assertThat(t.sdp().basic()).isFalse();
        assertThat(t.sdp().minLikelihood()).isEqualTo(Confidence.MEDIUM);
        assertThat(t.sdp().infoTypes()).containsExactlyInAnyOrder("CREDIT_CARD_NUMBER", "US_SOCIAL_SECURITY_NUMBER");
        assertThat(t.sdp().deidentify()).isEqualTo(new SafetyTemplate.Deidentify(
                SafetyTemplate.Transform.MASK, '#', Set.of("CREDIT_CARD_NUMBER")));
        assertThat(t.inspectOnly()).isTrue();
    }

    @Test
    void reportsEveryBadFieldWithFileAndLine() throws Exception {
        final String yaml = """
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: bad}
                spec:
                  filterConfig:
                    raiSettings:
                      raiFilters:
                      - {filterType: VIOLENCE, confidenceLevel: MEDIUM_AND_ABOVE}
                      - {filterType: HARASSMENT, confidenceLevel: MEDIUM}
                      - {filterType: HARASSMENT}
                    piAndJailbreakFilterSettings: {filterEnforcement: ON}
                    sdpSettings:
                      basicConfig: {filterEnforcement: ENABLED}
                      advancedConfig:
                        inspectTemplate: projects/p/locations/l/inspectTemplates/x
                  templateMetadata:
                    enforcementType: BLOCK
                    customPromptSafetyErrorCode: 200
                    logSanitizeOperations: "yes"
                    colour: red
                """;
        final Path file = Files.writeString(dir.resolve("t.yaml"), yaml);
        final ConfigException e = catchThrowableOfType(ConfigException.class,
                                                       () -> ConfigLoader.load(file, SERVICES));
        final String f = file.toString();
        assertThat(e.getMessage().lines().toList()).containsExactly(
                f + ":8: SafetyTemplate/bad: spec.filterConfig.raiSettings.raiFilters[0].filterType: VIOLENCE " +
                "(expected: one of SEXUALLY_EXPLICIT, HATE_SPEECH, HARASSMENT, DANGEROUS)",
                f + ":9: SafetyTemplate/bad: spec.filterConfig.raiSettings.raiFilters[1].confidenceLevel: MEDIUM " +
                "(expected: one of DETECTION_CONFIDENCE_LEVEL_UNSPECIFIED, LOW_AND_ABOVE, MEDIUM_AND_ABOVE, HIGH)",
                f + ":10: SafetyTemplate/bad: spec.filterConfig.raiSettings.raiFilters[2].filterType: HARASSMENT " +
                "(expected: each filterType once; already used at line 9)",
                f + ":11: SafetyTemplate/bad: spec.filterConfig.piAndJailbreakFilterSettings.filterEnforcement: ON " +
                "(expected: one of PI_AND_JAILBREAK_FILTER_ENFORCEMENT_UNSPECIFIED, ENABLED, DISABLED)",
                f + ":14: SafetyTemplate/bad: spec.filterConfig.sdpSettings.advancedConfig: set with basicConfig " +
                "(expected: one of basicConfig or advancedConfig)",
                f + ":17: SafetyTemplate/bad: spec.templateMetadata.enforcementType: BLOCK (expected: one of " +
                "ENFORCEMENT_TYPE_UNSPECIFIED, INSPECT_ONLY, INSPECT_AND_BLOCK)",
                f + ":18: SafetyTemplate/bad: spec.templateMetadata.customPromptSafetyErrorCode: 200 " +
                "(expected: 400..599)",
                f + ":19: SafetyTemplate/bad: spec.templateMetadata.logSanitizeOperations: \"yes\" " +
                "(expected: true or false)",
                f + ":20: SafetyTemplate/bad: spec.templateMetadata.colour: unknown field (expected: one of " +
                "enforcementType, customPromptSafetyErrorCode, customPromptSafetyErrorMessage, " +
                "customLlmResponseSafetyErrorCode, customLlmResponseSafetyErrorMessage, logSanitizeOperations, " +
                "logTemplateOperations, ignorePartialInvocationFailures, multiLanguageDetection)");
    }

    @Test
    void deidentifyTypesMustBeInspectedAndTemplatesMustBeInLine() throws Exception {
        final String yaml = """
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: bad}
                spec:
                  filterConfig:
                    sdpSettings:
                      advancedConfig:
                        inspectTemplate: projects/p/locations/l/inspectTemplates/x
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: bad2}
                spec:
                  filterConfig:
                    sdpSettings:
                      advancedConfig:
                        inspectTemplate: {infoTypes: [CREDIT_CARD_NUMBER, SSN]}
                        deidentifyTemplate: {transform: REDACT, maskingCharacter: "##", infoTypes: [PASSWORD]}
                """;
        final Path file = Files.writeString(dir.resolve("t.yaml"), yaml);
        final ConfigException e = catchThrowableOfType(ConfigException.class,
                                                       () -> ConfigLoader.load(file, SERVICES));
        assertThat(e.getMessage()).contains(
                ":8: SafetyTemplate/bad: spec.filterConfig.sdpSettings.advancedConfig.inspectTemplate: " +
                "projects/p/locations/l/inspectTemplates/x (expected: an in-line inspect template " +
                "{infoTypes, minLikelihood}; Sluice has no Sensitive Data Protection templates to refer to by name)",
                ":17: SafetyTemplate/bad2: spec.filterConfig.sdpSettings.advancedConfig.inspectTemplate." +
                "infoTypes[1]: SSN (expected: one of AUTH_TOKEN, AWS_CREDENTIALS, CREDIT_CARD_NUMBER,",
                ":18: SafetyTemplate/bad2: spec.filterConfig.sdpSettings.advancedConfig.deidentifyTemplate." +
                "transform: REDACT (expected: one of MASK, REPLACE_WITH_INFO_TYPE)",
                "deidentifyTemplate.maskingCharacter: \"##\" (expected: one character",
                "deidentifyTemplate.infoTypes: PASSWORD is not in inspectTemplate.infoTypes (expected: info types " +
                "that the inspect template also lists, as Google requires)");
    }

    @Test
    void extensionMetadataMustNameDefinedTemplates() throws Exception {
        final String yaml = SEED_LLM + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: x}
                spec:
                  extensionChains:
                  - name: c
                    extensions:
                    - name: s
                      service: safety
                      supportedEvents: [RequestBody]
                      metadata:
                        model_armor_settings: '[{"model": "m", "user_prompt_template_id": "projects/p/locations/l/templates/llm", "model_response_template_id": "lml"}]'
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: y}
                spec:
                  extensionChains:
                  - name: c
                    extensions:
                    - name: s
                      service: safety
                      supportedEvents: [RequestBody]
                      metadata:
                        model_armor_settings: '[{"model": "m"}]'
                        stream_holdback_tokens: "0"
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: z}
                spec:
                  extensionChains:
                  - name: c
                    extensions:
                    - name: s
                      service: safety
                      supportedEvents: [RequestBody]
                """;
        final Path file = Files.writeString(dir.resolve("t.yaml"), yaml);
        final ConfigException e = catchThrowableOfType(ConfigException.class,
                                                       () -> ConfigLoader.load(file, SERVICES));
        assertThat(e.getMessage().lines().filter(l -> l.contains("metadata")).toList()).satisfiesExactly(
                l -> assertThat(l).endsWith(
                        ":28: TrafficExtension/x: spec.extensionChains[0].extensions[0].metadata." +
                        "model_armor_settings: lml is not defined (expected: the name of a SafetyTemplate; " +
                        "known: llm)"),
                l -> assertThat(l).endsWith(
                        ":41: TrafficExtension/y: spec.extensionChains[0].extensions[0].metadata: " +
                        "metadata.stream_holdback_tokens: 0 (expected: a number of tokens 1..4096)"),
                l -> assertThat(l).endsWith(
                        ":51: TrafficExtension/z: spec.extensionChains[0].extensions[0].metadata: " +
                        "metadata.model_armor_settings: missing (expected: a JSON list [{\"model\", " +
                        "\"user_prompt_template_id\", \"model_response_template_id\"}])"));
    }

    @Test
    void guardsAreBoundAndChecked() throws Exception {
        final SafetyTemplate t = load("""
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: t}
                spec:
                  filterConfig: {}
                  guard: {type: ChatModel, url: "http://127.0.0.1:8080", model: llama-guard, timeout: 300ms, failOpen: true}
                """);
        assertThat(t.guard()).isEqualTo(new dev.sluice.config.Resources.SafetyGuardSpec(
                "ChatModel", "http://127.0.0.1:8080", null, "llama-guard", java.time.Duration.ofMillis(300), true));
        final Path file = Files.writeString(dir.resolve("t.yaml"), """
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: t}
                spec:
                  filterConfig: {}
                  guard: {type: ModelArmor, url: "ftp://x", model: m}
                """);
        final ConfigException e = catchThrowableOfType(ConfigException.class,
                                                       () -> ConfigLoader.load(file, SERVICES));
        assertThat(e.getMessage().lines().toList()).satisfiesExactly(
                l -> assertThat(l).endsWith(":6: SafetyTemplate/t: spec.guard.url: \"ftp://x\" (expected: an http:// " +
                                            "or https:// base URL)"),
                l -> assertThat(l).endsWith(":6: SafetyTemplate/t: spec.guard.template: missing (expected: the " +
                                            "guard's template id: letters, digits and '-', at most 63)"),
                l -> assertThat(l).endsWith(":6: SafetyTemplate/t: spec.guard.model: set for type ModelArmor " +
                                            "(expected: template)"));
    }

    private SafetyTemplate load(String yaml) throws Exception {
        final Path file = Files.writeString(dir.resolve("t.yaml"), yaml);
        final GatewayConfig config = ConfigLoader.load(file, SERVICES);
        return SafetyTemplate.of(config.safetyTemplates().get(0).metadata().name(),
                                 config.safetyTemplates().get(0).spec());
    }
}

package dev.sluice.safety.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.InfoTypes;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.UriFinding;
import dev.sluice.safety.template.SafetyTemplate.Deidentify;
import dev.sluice.safety.template.SafetyTemplate.Sdp;
import dev.sluice.safety.template.SafetyTemplate.Transform;

import tools.jackson.databind.json.JsonMapper;

class SanitizationJsonTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void cleanResultHasEveryFilterKeyInModelArmorShape() {
        final SafetyTemplate t = TemplateEvaluatorTest.template(Map.of(RaiCategory.DANGEROUS, Confidence.MEDIUM),
                                                                Confidence.MEDIUM, false, null);
        final Sanitization s = TemplateEvaluator.evaluate(t, "hello there friend", Detection.NONE);
        assertThat(JSON.writeValueAsString(SanitizationJson.response(s, "hello there friend"))).isEqualTo(
                "{\"sanitizationResult\":{\"filterMatchState\":\"NO_MATCH_FOUND\",\"filterResults\":{" +
                "\"csam\":{\"csamFilterFilterResult\":{\"executionState\":\"EXECUTION_SUCCESS\"," +
                "\"matchState\":\"NO_MATCH_FOUND\"}}," +
                "\"malicious_uris\":{\"maliciousUriFilterResult\":{\"executionState\":\"EXECUTION_SUCCESS\"," +
                "\"matchState\":\"NO_MATCH_FOUND\"}}," +
                "\"rai\":{\"raiFilterResult\":{\"executionState\":\"EXECUTION_SUCCESS\"," +
                "\"matchState\":\"NO_MATCH_FOUND\",\"raiFilterTypeResults\":{" +
                "\"sexually_explicit\":{\"matchState\":\"NO_MATCH_FOUND\"}," +
                "\"hate_speech\":{\"matchState\":\"NO_MATCH_FOUND\"}," +
                "\"harassment\":{\"matchState\":\"NO_MATCH_FOUND\"}," +
                "\"dangerous\":{\"matchState\":\"NO_MATCH_FOUND\"}}}}," +
                "\"pi_and_jailbreak\":{\"piAndJailbreakFilterResult\":{\"executionState\":\"EXECUTION_SUCCESS\"," +
                "\"matchState\":\"NO_MATCH_FOUND\"}}," +
                "\"sdp\":{\"sdpFilterResult\":{\"inspectResult\":{\"executionState\":\"EXECUTION_SUCCESS\"," +
                "\"matchState\":\"NO_MATCH_FOUND\"}}}}," +
                "\"sanitizationMetadata\":{},\"invocationResult\":\"SUCCESS\"}}");
    }

    @Test
    void matchesCarryConfidenceFindingsAndStringOffsets() {
        final String text = "é card 4111111111111111 see http://10.0.0.1/x";
        final int card = text.indexOf("4111");
        final int url = text.indexOf("http");
        final SafetyTemplate t = TemplateEvaluatorTest.template(
                Map.of(RaiCategory.DANGEROUS, Confidence.LOW), Confidence.MEDIUM, true,
                new Sdp(true, InfoTypes.BASIC, Confidence.LOW, null));
        final Detection d = new Detection(Confidence.HIGH, Map.of(RaiCategory.DANGEROUS, Confidence.MEDIUM), null,
                                          List.of(new SensitiveFinding(InfoTypes.CREDIT_CARD_NUMBER, card, card + 16,
                                                                       Confidence.HIGH)),
                                          List.of(new UriFinding("http://10.0.0.1/x", url, text.length(), "ip")));
        final var json = SanitizationJson.response(TemplateEvaluator.evaluate(t, text, d), text)
                                         .get("sanitizationResult");
        assertThat(json.get("filterMatchState").asString()).isEqualTo("MATCH_FOUND");
        final var f = json.get("filterResults");
        assertThat(f.at("/pi_and_jailbreak/piAndJailbreakFilterResult/confidenceLevel").asString()).isEqualTo("HIGH");
        assertThat(f.at("/rai/raiFilterResult/raiFilterTypeResults/dangerous").toString())
                .isEqualTo("{\"confidenceLevel\":\"MEDIUM_AND_ABOVE\",\"matchState\":\"MATCH_FOUND\"}");
        assertThat(f.at("/malicious_uris/maliciousUriFilterResult/maliciousUriMatchedItems").toString())
                .isEqualTo("[{\"uri\":\"http://10.0.0.1/x\",\"locations\":[{\"start\":\"28\",\"end\":\"45\"}]}]");
        // 'é' is two bytes in UTF-8 and one code point.
        assertThat(f.at("/sdp/sdpFilterResult/inspectResult/findings").toString()).isEqualTo(
                "[{\"infoType\":\"CREDIT_CARD_NUMBER\",\"likelihood\":\"VERY_LIKELY\",\"location\":{" +
                "\"byteRange\":{\"start\":\"8\",\"end\":\"24\"},\"codepointRange\":{\"start\":\"7\",\"end\":\"23\"}}}]");
    }

    @Test
    void deidentifyAndSkippedShapes() {
        final String text = "pay with 4111111111111111 now";
        final SafetyTemplate t = new SafetyTemplate(
                "t", Map.of(), Confidence.LOW, false,
                new Sdp(false, Set.of(InfoTypes.CREDIT_CARD_NUMBER), Confidence.LOW,
                        new Deidentify(Transform.REPLACE_WITH_INFO_TYPE, '*', Set.of(InfoTypes.CREDIT_CARD_NUMBER))),
                Confidence.MEDIUM, false, TemplateEvaluatorTest.DEFAULT, TemplateEvaluatorTest.DEFAULT, false, false,
                true, null);
        final Detection d = new Detection(null, Map.of(), null, List.of(
                new SensitiveFinding(InfoTypes.CREDIT_CARD_NUMBER, 9, 25, Confidence.HIGH)), List.of());
        final var json = SanitizationJson.response(
                TemplateEvaluator.evaluate(t, text, d, Map.of(dev.sluice.safety.FilterKind.PI_AND_JAILBREAK,
                                                              "guard model-armor failed: timed out")), text)
                                         .get("sanitizationResult");
        assertThat(json.at("/filterResults/sdp/sdpFilterResult").toString()).isEqualTo(
                "{\"deidentifyResult\":{\"executionState\":\"EXECUTION_SUCCESS\",\"matchState\":\"MATCH_FOUND\"," +
                "\"data\":{\"text\":\"pay with [CREDIT_CARD_NUMBER] now\"},\"transformedBytes\":\"33\"," +
                "\"infoTypes\":[\"CREDIT_CARD_NUMBER\"]}}");
        assertThat(json.at("/filterResults/pi_and_jailbreak/piAndJailbreakFilterResult").toString()).isEqualTo(
                "{\"executionState\":\"EXECUTION_SKIPPED\",\"messageItems\":[{\"messageType\":\"ERROR\"," +
                "\"message\":\"guard model-armor failed: timed out\"}],\"matchState\":\"NO_MATCH_FOUND\"}");
        assertThat(json.get("invocationResult").asString()).isEqualTo("PARTIAL");
        assertThat(json.get("sanitizationMetadata").toString()).isEqualTo(
                "{\"errorMessage\":\"guard model-armor failed: timed out\",\"ignorePartialInvocationFailures\":true}");
    }
}

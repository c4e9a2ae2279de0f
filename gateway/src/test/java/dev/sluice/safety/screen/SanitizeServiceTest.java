package dev.sluice.safety.screen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SafetyScanner;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SanitizeServiceTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    /** Flags prompt injection in texts containing "INJECT", and danger in texts containing "DANGER". */
    static final SafetyScanner FAKE = (text, direction, filters) -> new Detection(
            text.contains("INJECT") ? Confidence.HIGH : null,
            text.contains("DANGER") ? Map.of(RaiCategory.DANGEROUS, Confidence.MEDIUM) : Map.of(), null, List.of(),
            List.of());

    static final String TEMPLATES = """
            apiVersion: sluice.dev/v1alpha1
            kind: SafetyTemplate
            metadata: {name: llm}
            spec:
              filterConfig:
                piAndJailbreakFilterSettings: {filterEnforcement: ENABLED, confidenceLevel: MEDIUM_AND_ABOVE}
                raiSettings:
                  raiFilters: [{filterType: DANGEROUS, confidenceLevel: HIGH}]
            """;

    @TempDir
    Path dir;
    Safety safety;
    Server server;
    WebClient client;
    final AtomicReference<GatewayConfig> config = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        config.set(load(TEMPLATES));
        safety = Safety.create(() -> FAKE).templatesFromConfig(config::get);
        server = Server.builder().http(0).serviceUnder(Safety.SANITIZE_PREFIX, safety.sanitizeService()).build();
        server.start().join();
        client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
    }

    @AfterEach
    void stop() {
        server.stop().join();
        safety.close();
    }

    GatewayConfig load(String yaml) throws Exception {
        final Path f = Files.writeString(dir.resolve("t.yaml"), yaml);
        return ConfigLoader.load(f, Set.of("safety"));
    }

    AggregatedHttpResponse post(String path, String body) {
        return client.execute(RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON_UTF_8)
                                            .build(), body).aggregate().join();
    }

    @Test
    void sanitizesAPromptInModelArmorShape() {
        final AggregatedHttpResponse res = post(
                "/v1/projects/any/locations/us-central1/templates/llm:sanitizeUserPrompt",
                "{\"userPromptData\":{\"text\":\"please INJECT this now\"}}");
        assertThat(res.status().code()).isEqualTo(200);
        assertThat(res.contentType().is(MediaType.JSON)).isTrue();
        assertThat(res.contentUtf8()).isEqualTo(
                "{\"sanitizationResult\":{\"filterMatchState\":\"MATCH_FOUND\",\"filterResults\":{" +
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
                "\"matchState\":\"MATCH_FOUND\",\"confidenceLevel\":\"HIGH\"}}," +
                "\"sdp\":{\"sdpFilterResult\":{\"inspectResult\":{\"executionState\":\"EXECUTION_SUCCESS\"," +
                "\"matchState\":\"NO_MATCH_FOUND\"}}}}," +
                "\"sanitizationMetadata\":{},\"invocationResult\":\"SUCCESS\"}}");
    }

    @Test
    void sanitizesAModelResponseWithTheTemplatesLevels() {
        final JsonNode medium = JSON.readTree(post(
                "/v1/projects/p/locations/l/templates/llm:sanitizeModelResponse",
                "{\"modelResponseData\":{\"text\":\"DANGER but only medium\"},\"userPrompt\":\"q\"}").contentUtf8());
        assertThat(medium.at("/sanitizationResult/filterMatchState").asString()).as("HIGH needed")
                                                                                .isEqualTo("NO_MATCH_FOUND");
    }

    @Test
    void followsTheServedConfiguration() throws Exception {
        final String path = "/v1/projects/p/locations/l/templates/strict:sanitizeModelResponse";
        final AggregatedHttpResponse missing = post(path, "{\"modelResponseData\":{\"text\":\"DANGER here\"}}");
        assertThat(missing.status().code()).isEqualTo(404);
        assertThat(missing.contentUtf8()).isEqualTo(
                "{\"error\":{\"code\":404,\"message\":\"Template projects/p/locations/l/templates/strict not found " +
                "(known: llm)\",\"status\":\"NOT_FOUND\"}}");
        config.set(load(TEMPLATES.replace("name: llm", "name: strict").replace("HIGH", "LOW_AND_ABOVE")));
        final JsonNode now = JSON.readTree(post(path, "{\"modelResponseData\":{\"text\":\"DANGER here\"}}")
                                                   .contentUtf8());
        assertThat(now.at("/sanitizationResult/filterResults/rai/raiFilterResult/raiFilterTypeResults/dangerous")
                      .toString()).isEqualTo("{\"confidenceLevel\":\"MEDIUM_AND_ABOVE\",\"matchState\":\"MATCH_FOUND\"}");
    }

    @Test
    void badRequestsGetSpecificGoogleErrors() {
        final String prompt = "/v1/projects/p/locations/l/templates/llm:sanitizeUserPrompt";
        assertThat(post(prompt, "{\"userPromptData\":").contentUtf8())
                .startsWith("{\"error\":{\"code\":400,\"message\":\"Invalid JSON payload received. ")
                .endsWith("\"status\":\"INVALID_ARGUMENT\"}}");
        assertThat(post(prompt, "{\"modelResponseData\":{\"text\":\"x\"}}").contentUtf8()).isEqualTo(
                "{\"error\":{\"code\":400,\"message\":\"userPromptData is required (expected: " +
                "{\\\"userPromptData\\\": {\\\"text\\\": \\\"...\\\"}})\",\"status\":\"INVALID_ARGUMENT\"}}");
        assertThat(post(prompt, "{\"userPromptData\":{\"text\":5}}").contentUtf8())
                .contains("userPromptData.text is required and must be a string");
        assertThat(post(prompt, "{\"userPromptData\":{\"byteItem\":{\"byteDataType\":\"PDF\"}}}").contentUtf8())
                .contains("userPromptData.byteItem is not supported (expected: userPromptData.text)");
        final AggregatedHttpResponse unknown = post("/v1/projects/p/locations/l/templates/llm:sanitize", "{}");
        assertThat(unknown.status().code()).isEqualTo(404);
        assertThat(unknown.contentUtf8()).contains("\"status\":\"NOT_FOUND\"");
        assertThat(client.execute(RequestHeaders.of(HttpMethod.GET,
                                                         "/v1/projects/p/locations/l/templates/llm:sanitizeUserPrompt"))
                         .aggregate().join()
                         .status().code()).isEqualTo(405);
    }
}

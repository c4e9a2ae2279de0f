package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.json;
import static dev.sluice.simulator.TestHttp.sseChunks;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class CompletionsTest {

    private static SimulatorServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        server = SimulatorServer.start(SimulatorConfig.builder("base-model")
                                                      .loraAdapters(List.of("sql-lora", "chat-lora"))
                                                      .timeToFirstToken(Duration.ofMillis(5))
                                                      .interTokenLatency(Duration.ofMillis(1))
                                                      .outputTokens(8)
                                                      .build(), "127.0.0.1", 0);
        http = new TestHttp(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void plainCompletionHasVllmShape() {
        final HttpResponse<String> res = http.post("/v1/completions",
                                                   "{\"model\":\"base-model\",\"prompt\":\"Say hello to the world\"," +
                                                   "\"temperature\":0.7,\"top_k\":5,\"unknown_field\":{\"x\":1}}");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        final JsonNode body = json(res.body());
        assertThat(body.path("id").stringValue()).startsWith("cmpl-");
        assertThat(body.path("object").stringValue()).isEqualTo("text_completion");
        assertThat(body.path("created").longValue()).isPositive();
        assertThat(body.path("model").stringValue()).isEqualTo("base-model");
        assertThat(body.path("choices")).hasSize(1);
        final JsonNode choice = body.path("choices").get(0);
        assertThat(choice.path("index").intValue()).isZero();
        assertThat(choice.path("text").stringValue().split(" ")).hasSize(8);
        assertThat(choice.path("logprobs").isNull()).isTrue();
        assertThat(choice.path("finish_reason").stringValue()).isEqualTo("stop");
        assertThat(choice.has("stop_reason")).isTrue();
        final JsonNode usage = body.path("usage");
        assertThat(usage.path("prompt_tokens").intValue()).isEqualTo(6); // 22 characters, 4 per token
        assertThat(usage.path("completion_tokens").intValue()).isEqualTo(8);
        assertThat(usage.path("total_tokens").intValue()).isEqualTo(14);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").intValue()).isZero();
    }

    @Test
    void maxTokensCapsOutputWithFinishReasonLength() {
        final JsonNode body = json(http.post("/v1/completions",
                                             "{\"model\":\"base-model\",\"prompt\":\"hi\",\"max_tokens\":3}").body());
        assertThat(body.path("choices").get(0).path("finish_reason").stringValue()).isEqualTo("length");
        assertThat(body.path("usage").path("completion_tokens").intValue()).isEqualTo(3);

        final JsonNode larger = json(http.post("/v1/completions",
                                               "{\"model\":\"base-model\",\"prompt\":\"hi\",\"max_tokens\":100}")
                                         .body());
        assertThat(larger.path("choices").get(0).path("finish_reason").stringValue()).isEqualTo("stop");
        assertThat(larger.path("usage").path("completion_tokens").intValue()).isEqualTo(8);
    }

    @Test
    void streamWithoutUsageSendsOneChunkPerTokenThenDone() {
        final HttpResponse<String> res = http.post("/v1/completions",
                                                   "{\"model\":\"base-model\",\"prompt\":\"hi\",\"stream\":true," +
                                                   "\"max_tokens\":5}");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        final List<JsonNode> chunks = sseChunks(res.body());
        assertThat(chunks).hasSize(5);
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < chunks.size(); i++) {
            final JsonNode chunk = chunks.get(i);
            assertThat(chunk.path("object").stringValue()).isEqualTo("text_completion");
            assertThat(chunk.path("id").stringValue()).isEqualTo(chunks.get(0).path("id").stringValue());
            assertThat(chunk.has("usage")).isFalse();
            final JsonNode choice = chunk.path("choices").get(0);
            text.append(choice.path("text").stringValue());
            if (i < chunks.size() - 1) {
                assertThat(choice.path("finish_reason").isNull()).isTrue();
            } else {
                assertThat(choice.path("finish_reason").stringValue()).isEqualTo("length");
            }
        }
        // The same request without streaming gives the same text.
        final JsonNode plain = json(http.post("/v1/completions",
                                              "{\"model\":\"base-model\",\"prompt\":\"hi\",\"max_tokens\":5}").body());
        assertThat(text.toString()).isEqualTo(plain.path("choices").get(0).path("text").stringValue());
    }

    @Test
    void streamWithUsageEndsWithUsageChunk() {
        final HttpResponse<String> res = http.post("/v1/completions",
                                                   "{\"model\":\"base-model\",\"prompt\":\"hello there\"," +
                                                   "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        final List<JsonNode> chunks = sseChunks(res.body());
        assertThat(chunks).hasSize(9);
        final JsonNode last = chunks.get(8);
        assertThat(last.path("object").stringValue()).isEqualTo("text_completion");
        assertThat(last.path("choices").isArray()).isTrue();
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").intValue()).isEqualTo(3);
        assertThat(last.path("usage").path("completion_tokens").intValue()).isEqualTo(8);
        assertThat(last.path("usage").path("total_tokens").intValue()).isEqualTo(11);
        assertThat(chunks.get(7).path("choices").get(0).path("finish_reason").stringValue()).isEqualTo("stop");
    }

    @Test
    void batchOfPromptsGivesOneChoicePerPrompt() {
        final JsonNode body = json(http.post("/v1/completions",
                                             "{\"prompt\":[\"first prompt\",\"second prompt\"],\"max_tokens\":2}")
                                       .body());
        assertThat(body.path("model").stringValue()).isEqualTo("base-model"); // vLLM's default model
        assertThat(body.path("choices")).hasSize(2);
        assertThat(body.path("choices").get(1).path("index").intValue()).isEqualTo(1);
        assertThat(body.path("usage").path("completion_tokens").intValue()).isEqualTo(4);
        assertThat(body.path("usage").path("prompt_tokens").intValue()).isEqualTo(3 + 4);
    }

    @Test
    void tokenIdPromptCountsOneTokenPerId() {
        final JsonNode body = json(http.post("/v1/completions", "{\"prompt\":[1,2,3,4,5]}").body());
        assertThat(body.path("usage").path("prompt_tokens").intValue()).isEqualTo(5);
    }

    @Test
    void loraAdapterIsServedUnderItsName() {
        final JsonNode body = json(http.post("/v1/completions",
                                             "{\"model\":\"sql-lora\",\"prompt\":\"select\"}").body());
        assertThat(body.path("model").stringValue()).isEqualTo("sql-lora");
        assertThat(body.path("choices").get(0).path("text").stringValue()).isNotEmpty();
    }

    @Test
    void unknownModelIsNotFound() {
        final HttpResponse<String> res = http.post("/v1/completions", "{\"model\":\"gpt-9\",\"prompt\":\"hi\"}");
        assertThat(res.statusCode()).isEqualTo(404);
        assertThat(json(res.body())).isEqualTo(json(
                "{\"error\":{\"message\":\"The model `gpt-9` does not exist.\",\"type\":\"NotFoundError\"," +
                "\"param\":null,\"code\":404}}"));
    }

    @Test
    void malformedJsonIsBadRequest() {
        final HttpResponse<String> res = http.post("/v1/completions", "{\"model\": \"base-model\", \"prompt\": ");
        assertThat(res.statusCode()).isEqualTo(400);
        final JsonNode error = json(res.body()).path("error");
        assertThat(error.path("type").stringValue()).isEqualTo("BadRequestError");
        assertThat(error.path("code").intValue()).isEqualTo(400);
        assertThat(error.path("message").stringValue()).isNotBlank();
        assertThat(error.has("param")).isTrue();
    }

    @Test
    void invalidFieldsAreBadRequests() {
        assertThat(http.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":0}").statusCode())
                .isEqualTo(400);
        assertThat(http.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":\"many\"}").statusCode())
                .isEqualTo(400);
        assertThat(http.post("/v1/completions", "{\"model\":\"base-model\"}").statusCode()).isEqualTo(400);
        assertThat(http.post("/v1/completions", "[1,2]").statusCode()).isEqualTo(400);
        assertThat(http.post("/v1/completions",
                             "{\"prompt\":\"hi\",\"stream_options\":{\"include_usage\":true}}").statusCode())
                .isEqualTo(400);
        final String longPrompt = "x".repeat(4 * 8192 * 16);
        final HttpResponse<String> tooLong = http.post("/v1/completions", "{\"prompt\":\"" + longPrompt + "\"}");
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(json(tooLong.body()).path("error").path("message").stringValue())
                .contains("maximum context length is 131072 tokens");
    }

    @Test
    void textIsDeterministicForSeedAndPrompt() {
        final String request = "{\"prompt\":\"Once upon a time\",\"max_tokens\":8}";
        final String first = text(http.post("/v1/completions", request));
        assertThat(text(http.post("/v1/completions", request))).isEqualTo(first);
        assertThat(text(http.post("/v1/completions", "{\"prompt\":\"Once upon a tide\",\"max_tokens\":8}")))
                .isNotEqualTo(first);
        assertThat(text(http.post("/v1/completions",
                                  "{\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"seed\":7}")))
                .isNotEqualTo(first);

        try (SimulatorServer same = SimulatorServer.start(server.config(), "127.0.0.1", 0);
             SimulatorServer otherSeed = SimulatorServer.start(
                     SimulatorConfig.builder("base-model").outputTokens(8).seed(43)
                                    .timeToFirstToken(Duration.ZERO).build(), "127.0.0.1", 0)) {
            assertThat(text(new TestHttp(same).post("/v1/completions", request))).isEqualTo(first);
            assertThat(text(new TestHttp(otherSeed).post("/v1/completions", request))).isNotEqualTo(first);
        }
    }

    @Test
    void repeatedPrefixReportsCachedTokens() {
        // 200 characters = 50 tokens = 3 full blocks of 16 tokens (64 characters each) and a partial one.
        final String prefix = "The quick brown fox jumps over the lazy dog. ".repeat(5).substring(0, 200);
        final String first = http.post("/v1/completions",
                                       "{\"prompt\":\"" + prefix + "\",\"max_tokens\":1}").body();
        assertThat(json(first).path("usage").path("prompt_tokens_details").path("cached_tokens").intValue())
                .isZero();
        final String second = http.post("/v1/completions",
                                        "{\"prompt\":\"" + prefix + " and then?\",\"max_tokens\":1}").body();
        assertThat(json(second).path("usage").path("prompt_tokens_details").path("cached_tokens").intValue())
                .isEqualTo(48);
        // LoRA adapters never share KV with the base model.
        final String lora = http.post("/v1/completions",
                                      "{\"model\":\"chat-lora\",\"prompt\":\"" + prefix + "\",\"max_tokens\":1}")
                                .body();
        assertThat(json(lora).path("usage").path("prompt_tokens_details").path("cached_tokens").intValue())
                .isZero();
    }

    @Test
    void echoesRequestIdAndRemembersHeaders() {
        final HttpResponse<String> res = http.post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":1}",
                                                   Map.of("x-request-id", "req-123", "x-gateway-hop", "sluice"));
        assertThat(res.headers().firstValue("x-request-id")).hasValue("req-123");
        assertThat(json(res.body()).path("id").stringValue()).isEqualTo("cmpl-req-123");
        assertThat(server.stats().lastRequestHeaders()).anySatisfy(headers -> {
            assertThat(headers).containsEntry("x-request-id", "req-123")
                               .containsEntry("x-gateway-hop", "sluice")
                               .containsEntry(":path", "/v1/completions")
                               .containsEntry(":method", "POST");
        });
    }

    private static String text(HttpResponse<String> res) {
        assertThat(res.statusCode()).isEqualTo(200);
        return json(res.body()).path("choices").get(0).path("text").stringValue();
    }
}

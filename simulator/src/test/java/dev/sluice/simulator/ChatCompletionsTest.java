package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.json;
import static dev.sluice.simulator.TestHttp.sseChunks;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class ChatCompletionsTest {

    private static final String MESSAGES =
            "\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"}," +
            "{\"role\":\"user\",\"content\":\"What is a gateway?\"}]";

    private static SimulatorServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        server = SimulatorServer.start(SimulatorConfig.builder("chat-model")
                                                      .loraAdapters(List.of("support-lora"))
                                                      .timeToFirstToken(Duration.ofMillis(5))
                                                      .interTokenLatency(Duration.ofMillis(1))
                                                      .outputTokens(6)
                                                      .build(), "127.0.0.1", 0);
        http = new TestHttp(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void plainChatCompletionHasVllmShape() {
        final HttpResponse<String> res = http.post("/v1/chat/completions",
                                                   "{\"model\":\"chat-model\"," + MESSAGES + ",\"n\":1}");
        assertThat(res.statusCode()).isEqualTo(200);
        final JsonNode body = json(res.body());
        assertThat(body.path("id").stringValue()).startsWith("chatcmpl-");
        assertThat(body.path("object").stringValue()).isEqualTo("chat.completion");
        assertThat(body.path("model").stringValue()).isEqualTo("chat-model");
        final JsonNode choice = body.path("choices").get(0);
        assertThat(choice.path("index").intValue()).isZero();
        assertThat(choice.path("message").path("role").stringValue()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").stringValue().split(" ")).hasSize(6);
        assertThat(choice.path("finish_reason").stringValue()).isEqualTo("stop");
        // "You are terse.\nWhat is a gateway?\n" is 34 characters.
        assertThat(body.path("usage").path("prompt_tokens").intValue()).isEqualTo(9);
        assertThat(body.path("usage").path("completion_tokens").intValue()).isEqualTo(6);
        assertThat(body.path("usage").path("total_tokens").intValue()).isEqualTo(15);
        assertThat(body.path("usage").path("prompt_tokens_details").path("cached_tokens").isInt()).isTrue();
    }

    @Test
    void streamSendsRoleChunkThenContentChunksThenDone() {
        final HttpResponse<String> res = http.post("/v1/chat/completions",
                                                   "{\"model\":\"chat-model\"," + MESSAGES +
                                                   ",\"stream\":true,\"max_completion_tokens\":4}");
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        final List<JsonNode> chunks = sseChunks(res.body());
        assertThat(chunks).hasSize(1 + 4);
        for (JsonNode chunk : chunks) {
            assertThat(chunk.path("object").stringValue()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.path("id").stringValue()).startsWith("chatcmpl-");
            assertThat(chunk.has("usage")).isFalse();
        }
        final JsonNode first = chunks.get(0).path("choices").get(0);
        assertThat(first.path("delta").path("role").stringValue()).isEqualTo("assistant");
        assertThat(first.path("delta").path("content").stringValue()).isEmpty();
        assertThat(first.path("finish_reason").isNull()).isTrue();
        final StringBuilder content = new StringBuilder();
        for (int i = 1; i < chunks.size(); i++) {
            final JsonNode choice = chunks.get(i).path("choices").get(0);
            assertThat(choice.path("delta").has("role")).isFalse();
            content.append(choice.path("delta").path("content").stringValue());
            if (i < chunks.size() - 1) {
                assertThat(choice.path("finish_reason").isNull()).isTrue();
            }
        }
        assertThat(chunks.get(4).path("choices").get(0).path("finish_reason").stringValue()).isEqualTo("length");

        final JsonNode plain = json(http.post("/v1/chat/completions",
                                              "{\"model\":\"chat-model\"," + MESSAGES +
                                              ",\"max_completion_tokens\":4}").body());
        assertThat(content.toString())
                .isEqualTo(plain.path("choices").get(0).path("message").path("content").stringValue());
    }

    @Test
    void streamWithUsageEndsWithUsageChunk() {
        final HttpResponse<String> res = http.post("/v1/chat/completions",
                                                   "{\"model\":\"support-lora\"," + MESSAGES + ",\"stream\":true," +
                                                   "\"stream_options\":{\"include_usage\":true}}");
        final List<JsonNode> chunks = sseChunks(res.body());
        assertThat(chunks).hasSize(1 + 6 + 1);
        final JsonNode usageChunk = chunks.get(7);
        assertThat(usageChunk.path("object").stringValue()).isEqualTo("chat.completion.chunk");
        assertThat(usageChunk.path("model").stringValue()).isEqualTo("support-lora");
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.path("usage").path("prompt_tokens").intValue()).isEqualTo(9);
        assertThat(usageChunk.path("usage").path("completion_tokens").intValue()).isEqualTo(6);
        assertThat(usageChunk.path("usage").path("total_tokens").intValue()).isEqualTo(15);
    }

    @Test
    void countsTextPartsOfMultipartContent() {
        final String body = "{\"messages\":[{\"role\":\"user\",\"content\":[" +
                            "{\"type\":\"text\",\"text\":\"Describe this\"}," +
                            "{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://example.com/a.png\"}}," +
                            "{\"type\":\"text\",\"text\":\" picture\"}]}]}";
        final JsonNode res = json(http.post("/v1/chat/completions", body).body());
        // "Describe this picture\n" is 22 characters.
        assertThat(res.path("usage").path("prompt_tokens").intValue()).isEqualTo(6);
    }

    @Test
    void rejectsUnknownModelAndBadMessages() {
        final HttpResponse<String> unknown = http.post("/v1/chat/completions",
                                                       "{\"model\":\"other\"," + MESSAGES + '}');
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown.body()).path("error").path("message").stringValue())
                .isEqualTo("The model `other` does not exist.");
        assertThat(http.post("/v1/chat/completions", "{\"messages\":[]}").statusCode()).isEqualTo(400);
        assertThat(http.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":5}]}")
                       .statusCode()).isEqualTo(400);
        assertThat(http.post("/v1/chat/completions", "not json").statusCode()).isEqualTo(400);
    }
}

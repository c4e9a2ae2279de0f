package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class ModelsAndEmbeddingsTest {

    private static SimulatorServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        server = SimulatorServer.start(SimulatorConfig.builder("meta-llama/Llama-3.1-8B-Instruct")
                                                      .loraAdapters(List.of("sql-lora", "tweet-lora"))
                                                      .timeToFirstToken(Duration.ofMillis(2))
                                                      .build(), "127.0.0.1", 0);
        http = new TestHttp(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void listsBaseModelThenAdaptersWithParent() {
        final HttpResponse<String> res = http.get("/v1/models");
        assertThat(res.statusCode()).isEqualTo(200);
        final JsonNode body = json(res.body());
        assertThat(body.path("object").stringValue()).isEqualTo("list");
        final JsonNode data = body.path("data");
        assertThat(data).hasSize(3);
        final JsonNode base = data.get(0);
        assertThat(base.path("id").stringValue()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(base.path("object").stringValue()).isEqualTo("model");
        assertThat(base.path("created").longValue()).isPositive();
        assertThat(base.path("owned_by").stringValue()).isEqualTo("vllm");
        assertThat(base.path("root").stringValue()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(base.path("parent").isNull()).isTrue();
        assertThat(base.path("max_model_len").longValue()).isEqualTo(8192L * 16);
        final JsonNode lora = data.get(1);
        assertThat(lora.path("id").stringValue()).isEqualTo("sql-lora");
        assertThat(lora.path("object").stringValue()).isEqualTo("model");
        assertThat(lora.path("root").stringValue()).isEqualTo("sql-lora");
        assertThat(lora.path("parent").stringValue()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(data.get(2).path("id").stringValue()).isEqualTo("tweet-lora");
    }

    @Test
    void healthIsOk() {
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void embeddingsHaveOpenAiShapeAndAreDeterministic() {
        final HttpResponse<String> res = http.post("/v1/embeddings",
                                                   "{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\"," +
                                                   "\"input\":[\"first text\",\"second one\"]," +
                                                   "\"encoding_format\":\"float\"}");
        assertThat(res.statusCode()).isEqualTo(200);
        final JsonNode body = json(res.body());
        assertThat(body.path("object").stringValue()).isEqualTo("list");
        assertThat(body.path("model").stringValue()).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(body.path("data")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            final JsonNode item = body.path("data").get(i);
            assertThat(item.path("object").stringValue()).isEqualTo("embedding");
            assertThat(item.path("index").intValue()).isEqualTo(i);
            assertThat(item.path("embedding")).hasSize(8);
            double norm = 0;
            for (JsonNode value : item.path("embedding").values()) {
                assertThat(value.isNumber()).isTrue();
                norm += value.doubleValue() * value.doubleValue();
            }
            assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(body.path("data").get(0).path("embedding"))
                .isNotEqualTo(body.path("data").get(1).path("embedding"));
        // "first text" and "second one" are 10 characters each: 3 tokens each.
        assertThat(body.path("usage").path("prompt_tokens").intValue()).isEqualTo(6);
        assertThat(body.path("usage").path("total_tokens").intValue()).isEqualTo(6);

        // An embedding depends on its text, not on its place in the batch.
        final JsonNode single = json(http.post("/v1/embeddings", "{\"input\":\"second one\"}").body());
        assertThat(single.path("data")).hasSize(1);
        assertThat(single.path("data").get(0).path("embedding"))
                .isEqualTo(body.path("data").get(1).path("embedding"));
    }

    @Test
    void embeddingsRejectBadInput() {
        assertThat(http.post("/v1/embeddings", "{\"input\":[]}").statusCode()).isEqualTo(400);
        assertThat(http.post("/v1/embeddings", "{\"model\":\"nope\",\"input\":\"x\"}").statusCode())
                .isEqualTo(404);
    }
}

package dev.sluice.simulator.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.SimulatorConfig;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes the JSON bodies and server-sent events of vLLM's OpenAI server, field for field in vLLM's order.
 */
final class OpenAiBodies {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** Token counts of a response. */
    record Usage(int promptTokens, int completionTokens, int cachedTokens) {}

    private OpenAiBodies() {}

    static byte[] completion(String id, long created, String model, String[] texts, String finishReason,
                             Usage usage) {
        return json(gen -> {
            gen.writeStartObject();
            head(gen, id, "text_completion", created, model);
            gen.writeArrayPropertyStart("choices");
            for (int i = 0; i < texts.length; i++) {
                gen.writeStartObject();
                gen.writeNumberProperty("index", i);
                gen.writeStringProperty("text", texts[i]);
                gen.writeNullProperty("logprobs");
                gen.writeStringProperty("finish_reason", finishReason);
                gen.writeNullProperty("stop_reason");
                gen.writeEndObject();
            }
            gen.writeEndArray();
            usage(gen, usage);
            gen.writeEndObject();
        });
    }

    static byte[] completionChunk(String id, long created, String model, int index, String text,
                                  @Nullable String finishReason) {
        return event(gen -> {
            gen.writeStartObject();
            head(gen, id, "text_completion", created, model);
            gen.writeArrayPropertyStart("choices");
            gen.writeStartObject();
            gen.writeNumberProperty("index", index);
            gen.writeStringProperty("text", text);
            gen.writeNullProperty("logprobs");
            gen.writeStringProperty("finish_reason", finishReason);
            gen.writeNullProperty("stop_reason");
            gen.writeEndObject();
            gen.writeEndArray();
            gen.writeEndObject();
        });
    }

    static byte[] chatCompletion(String id, long created, String model, String content, String finishReason,
                                 Usage usage) {
        return json(gen -> {
            gen.writeStartObject();
            head(gen, id, "chat.completion", created, model);
            gen.writeArrayPropertyStart("choices");
            gen.writeStartObject();
            gen.writeNumberProperty("index", 0);
            gen.writeObjectPropertyStart("message");
            gen.writeStringProperty("role", "assistant");
            gen.writeStringProperty("content", content);
            gen.writeEndObject();
            gen.writeNullProperty("logprobs");
            gen.writeStringProperty("finish_reason", finishReason);
            gen.writeNullProperty("stop_reason");
            gen.writeEndObject();
            gen.writeEndArray();
            usage(gen, usage);
            gen.writeEndObject();
        });
    }

    /**
     * Writes a chat chunk; {@code role} is set only on the first chunk, which vLLM sends with empty content.
     */
    static byte[] chatChunk(String id, long created, String model, @Nullable String role, String content,
                            @Nullable String finishReason) {
        return event(gen -> {
            gen.writeStartObject();
            head(gen, id, "chat.completion.chunk", created, model);
            gen.writeArrayPropertyStart("choices");
            gen.writeStartObject();
            gen.writeNumberProperty("index", 0);
            gen.writeObjectPropertyStart("delta");
            if (role != null) {
                gen.writeStringProperty("role", role);
            }
            gen.writeStringProperty("content", content);
            gen.writeEndObject();
            gen.writeNullProperty("logprobs");
            gen.writeStringProperty("finish_reason", finishReason);
            if (finishReason != null) {
                gen.writeNullProperty("stop_reason");
            }
            gen.writeEndObject();
            gen.writeEndArray();
            gen.writeEndObject();
        });
    }

    /** Writes the last chunk of a stream with {@code stream_options.include_usage}: no choices, only usage. */
    static byte[] usageChunk(String id, String object, long created, String model, Usage usage) {
        return event(gen -> {
            gen.writeStartObject();
            head(gen, id, object, created, model);
            gen.writeArrayPropertyStart("choices");
            gen.writeEndArray();
            usage(gen, usage);
            gen.writeEndObject();
        });
    }

    static byte[] embeddings(String id, long created, String model, float[][] vectors, int promptTokens) {
        return json(gen -> {
            gen.writeStartObject();
            gen.writeStringProperty("id", id);
            gen.writeStringProperty("object", "list");
            gen.writeNumberProperty("created", created);
            gen.writeStringProperty("model", model);
            gen.writeArrayPropertyStart("data");
            for (int i = 0; i < vectors.length; i++) {
                gen.writeStartObject();
                gen.writeNumberProperty("index", i);
                gen.writeStringProperty("object", "embedding");
                gen.writeArrayPropertyStart("embedding");
                for (float value : vectors[i]) {
                    gen.writeNumber(value);
                }
                gen.writeEndArray();
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeObjectPropertyStart("usage");
            gen.writeNumberProperty("prompt_tokens", promptTokens);
            gen.writeNumberProperty("total_tokens", promptTokens);
            gen.writeNumberProperty("completion_tokens", 0);
            gen.writeNullProperty("prompt_tokens_details");
            gen.writeEndObject();
            gen.writeEndObject();
        });
    }

    static byte[] models(SimulatorConfig config, long created) {
        return json(gen -> {
            gen.writeStartObject();
            gen.writeStringProperty("object", "list");
            gen.writeArrayPropertyStart("data");
            model(gen, config.model(), created, config.model(), null,
                  (long) config.kvCacheBlocks() * config.blockSize());
            for (String adapter : config.loraAdapters()) {
                // vLLM's root is the adapter's local path; a simulated adapter has only its name.
                model(gen, adapter, created, adapter, config.model(), null);
            }
            gen.writeEndArray();
            gen.writeEndObject();
        });
    }

    static byte[] error(OpenAiError error) {
        return json(gen -> {
            gen.writeStartObject();
            gen.writeObjectPropertyStart("error");
            gen.writeStringProperty("message", error.getMessage());
            gen.writeStringProperty("type", error.type());
            gen.writeNullProperty("param");
            gen.writeNumberProperty("code", error.status().code());
            gen.writeEndObject();
            gen.writeEndObject();
        });
    }

    private static void model(JsonGenerator gen, String id, long created, String root, @Nullable String parent,
                              @Nullable Long maxModelLength) {
        gen.writeStartObject();
        gen.writeStringProperty("id", id);
        gen.writeStringProperty("object", "model");
        gen.writeNumberProperty("created", created);
        gen.writeStringProperty("owned_by", "vllm");
        gen.writeStringProperty("root", root);
        gen.writeStringProperty("parent", parent);
        if (maxModelLength != null) {
            gen.writeNumberProperty("max_model_len", maxModelLength.longValue());
        } else {
            gen.writeNullProperty("max_model_len");
        }
        gen.writeEndObject();
    }

    private static void head(JsonGenerator gen, String id, String object, long created, String model) {
        gen.writeStringProperty("id", id);
        gen.writeStringProperty("object", object);
        gen.writeNumberProperty("created", created);
        gen.writeStringProperty("model", model);
    }

    private static void usage(JsonGenerator gen, Usage usage) {
        gen.writeObjectPropertyStart("usage");
        gen.writeNumberProperty("prompt_tokens", usage.promptTokens());
        gen.writeNumberProperty("total_tokens", usage.promptTokens() + usage.completionTokens());
        gen.writeNumberProperty("completion_tokens", usage.completionTokens());
        gen.writeObjectPropertyStart("prompt_tokens_details");
        gen.writeNumberProperty("cached_tokens", usage.cachedTokens());
        gen.writeEndObject();
        gen.writeEndObject();
    }

    private static byte[] json(Consumer<JsonGenerator> writer) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator gen = MAPPER.createGenerator(out)) {
            writer.accept(gen);
        }
        return out.toByteArray();
    }

    private static byte[] event(Consumer<JsonGenerator> writer) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.writeBytes(DATA);
        try (JsonGenerator gen = MAPPER.createGenerator(out)) {
            writer.accept(gen);
        }
        out.writeBytes(EVENT_END);
        return out.toByteArray();
    }
}

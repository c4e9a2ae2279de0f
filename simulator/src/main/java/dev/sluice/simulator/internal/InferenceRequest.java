package dev.sluice.simulator.internal;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.SimulatorConfig;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An OpenAI request as the simulator needs it, read from a JSON body the way vLLM reads it: unknown fields are
 * ignored, missing optional fields take vLLM's defaults.
 *
 * @param endpoint which API was called
 * @param model the model name as requested (the base model if the request named none)
 * @param loraAdapter the LoRA adapter the request runs on, or {@code null} for the base model
 * @param prompts one prompt per choice (a batch of completions prompts or embeddings inputs), or the rendered
 *                chat conversation
 * @param outputTokens tokens to generate per choice, {@code 0} for embeddings
 * @param finishReason {@code "length"} if {@code max_tokens} cut the output, {@code "stop"} otherwise
 * @param stream whether to answer with server-sent events
 * @param includeUsage whether a streamed answer ends with a usage chunk
 * @param textSeed the seed of the output text
 * @param reply the text to answer with instead of generated words (the {@value #REPLY_FIELD} request field), or
 *              {@code null}
 */
record InferenceRequest(Endpoint endpoint, String model, @Nullable String loraAdapter, List<Prompt> prompts,
                        int outputTokens, String finishReason, boolean stream, boolean includeUsage,
                        long textSeed, @Nullable String reply) {

    /**
     * A simulator-only request field: the answer text, split into one token per word (a leading space on all but
     * the first), for tests that need the model to say something chosen, such as the safety screening tests.
     * {@code max_tokens} still cuts it.
     */
    static final String REPLY_FIELD = "sim_reply";

    /** The inference APIs. */
    enum Endpoint {
        COMPLETIONS, CHAT_COMPLETIONS, EMBEDDINGS
    }

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    int promptTokens() {
        int tokens = 0;
        for (Prompt prompt : prompts) {
            tokens += prompt.tokens();
        }
        return tokens;
    }

    /**
     * Reads a request body, throwing an {@link OpenAiError} with the status and message vLLM would give.
     */
    static InferenceRequest parse(Endpoint endpoint, byte[] body, SimulatorConfig config) {
        final JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw OpenAiError.badRequest("Invalid JSON in request body: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw OpenAiError.badRequest("The request body must be a JSON object.");
        }

        final JsonNode modelNode = root.path("model");
        final String model;
        if (modelNode.isMissingNode() || modelNode.isNull()) {
            model = config.model();
        } else if (modelNode.isString()) {
            model = modelNode.stringValue();
        } else {
            throw OpenAiError.badRequest("model: " + modelNode + " (expected: a string)");
        }
        final String loraAdapter;
        if (model.equals(config.model())) {
            loraAdapter = null;
        } else if (config.loraAdapters().contains(model)) {
            loraAdapter = model;
        } else {
            throw OpenAiError.modelNotFound(model);
        }

        final List<Prompt> prompts = switch (endpoint) {
            case COMPLETIONS -> readPrompts(root, "prompt");
            case EMBEDDINGS -> readPrompts(root, "input");
            case CHAT_COMPLETIONS -> List.of(readMessages(root));
        };

        int outputTokens = 0;
        String finishReason = "stop";
        Integer limit = null;
        if (endpoint != Endpoint.EMBEDDINGS) {
            // The Chat API renamed max_tokens to max_completion_tokens; vLLM takes either, preferring the new one.
            Integer maxTokens = endpoint == Endpoint.CHAT_COMPLETIONS ? optionalInt(root, "max_completion_tokens")
                                                                      : null;
            final String maxTokensName = maxTokens != null ? "max_completion_tokens" : "max_tokens";
            if (maxTokens == null) {
                maxTokens = optionalInt(root, "max_tokens");
            }
            outputTokens = config.outputTokens();
            limit = maxTokens;
            if (maxTokens != null) {
                if (maxTokens < 1) {
                    throw OpenAiError.badRequest(maxTokensName + " must be at least 1, got " + maxTokens + '.');
                }
                if (maxTokens <= outputTokens) {
                    outputTokens = maxTokens;
                    finishReason = "length";
                }
            }
        }

        final boolean stream = endpoint != Endpoint.EMBEDDINGS && optionalBoolean(root, "stream", false);
        boolean includeUsage = false;
        final JsonNode streamOptions = root.path("stream_options");
        if (!streamOptions.isMissingNode() && !streamOptions.isNull()) {
            if (!stream) {
                throw OpenAiError.badRequest("Stream options can only be defined when `stream=True`.");
            }
            if (!streamOptions.isObject()) {
                throw OpenAiError.badRequest("stream_options: " + streamOptions + " (expected: an object)");
            }
            includeUsage = optionalBoolean(streamOptions, "include_usage", false);
        }

        long textSeed = Prompt.mix(config.seed() ^ model.hashCode());
        final JsonNode seed = root.path("seed");
        if (seed.isIntegralNumber()) {
            textSeed = Prompt.mix(textSeed ^ seed.longValue());
        } else if (!seed.isMissingNode() && !seed.isNull()) {
            throw OpenAiError.badRequest("seed: " + seed + " (expected: an integer)");
        }
        String reply = null;
        final JsonNode replyNode = root.path(REPLY_FIELD);
        if (replyNode.isString() && !replyNode.stringValue().isEmpty() && endpoint != Endpoint.EMBEDDINGS) {
            reply = replyNode.stringValue();
            final int replyTokens = replyTokens(reply).length;
            outputTokens = limit != null ? Math.min(limit, replyTokens) : replyTokens;
            finishReason = outputTokens < replyTokens ? "length" : "stop";
        } else if (!replyNode.isMissingNode() && !replyNode.isNull() && !replyNode.isString()) {
            throw OpenAiError.badRequest(REPLY_FIELD + ": " + replyNode + " (expected: a string)");
        }
        return new InferenceRequest(endpoint, model, loraAdapter, prompts, outputTokens, finishReason, stream,
                                    includeUsage, textSeed, reply);
    }

    /** Splits a {@value #REPLY_FIELD} text into tokens: words, each but the first with its leading space. */
    static String[] replyTokens(String reply) {
        final java.util.List<String> tokens = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 1; i <= reply.length(); i++) {
            if (i == reply.length() || reply.charAt(i) == ' ' && reply.charAt(i - 1) != ' ') {
                tokens.add(reply.substring(start, i));
                start = i;
            }
        }
        return tokens.toArray(String[]::new);
    }

    private static List<Prompt> readPrompts(JsonNode root, String field) {
        final JsonNode node = root.path(field);
        if (node.isString()) {
            return List.of(Prompt.ofText(node.stringValue()));
        }
        if (!node.isArray() || node.isEmpty()) {
            throw OpenAiError.badRequest(field + ": " + (node.isMissingNode() ? "missing" : node.toString()) +
                                         " (expected: a string, an array of strings or of token ids)");
        }
        final JsonNode first = node.get(0);
        if (first.isIntegralNumber()) {
            return List.of(Prompt.ofTokens(tokenIds(node, field)));
        }
        final List<Prompt> prompts = new ArrayList<>(node.size());
        for (JsonNode element : node.values()) {
            if (element.isString()) {
                prompts.add(Prompt.ofText(element.stringValue()));
            } else if (element.isArray() && !element.isEmpty()) {
                prompts.add(Prompt.ofTokens(tokenIds(element, field)));
            } else {
                throw OpenAiError.badRequest(field + ": " + element +
                                             " (expected: a string or a non-empty array of token ids)");
            }
        }
        return prompts;
    }

    private static int[] tokenIds(JsonNode array, String field) {
        final int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            final JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw OpenAiError.badRequest(field + ": token id " + id + " (expected: an integer >= 0)");
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    /**
     * Renders a conversation as one prompt: the text contents of all messages, one per line. Without a chat
     * template the role markers are left out; what matters is that equal conversations make equal prompts.
     */
    private static Prompt readMessages(JsonNode root) {
        final JsonNode messages = root.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw OpenAiError.badRequest("messages: " + (messages.isMissingNode() ? "missing" : messages) +
                                         " (expected: a non-empty array)");
        }
        final StringBuilder text = new StringBuilder();
        for (JsonNode message : messages.values()) {
            if (!message.isObject()) {
                throw OpenAiError.badRequest("messages: " + message + " (expected: objects)");
            }
            final JsonNode content = message.path("content");
            if (content.isString()) {
                text.append(content.stringValue());
            } else if (content.isArray()) {
                for (JsonNode part : content.values()) {
                    if (part.isString()) {
                        text.append(part.stringValue());
                    } else if (part.isObject() && "text".equals(part.path("type").stringValue(null)) &&
                               part.path("text").isString()) {
                        text.append(part.path("text").stringValue());
                    }
                    // Images, audio and others take no text tokens here.
                }
            } else if (!content.isMissingNode() && !content.isNull()) {
                throw OpenAiError.badRequest("content: " + content +
                                             " (expected: a string or an array of content parts)");
            }
            text.append('\n');
        }
        return Prompt.ofText(text.toString());
    }

    private static @Nullable Integer optionalInt(JsonNode root, String field) {
        final JsonNode node = root.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw OpenAiError.badRequest(field + ": " + node + " (expected: an integer)");
        }
        return node.intValue();
    }

    private static boolean optionalBoolean(JsonNode root, String field, boolean defaultValue) {
        final JsonNode node = root.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return defaultValue;
        }
        if (!node.isBoolean()) {
            throw OpenAiError.badRequest(field + ": " + node + " (expected: true or false)");
        }
        return node.booleanValue();
    }

    /**
     * Returns the seed of choice {@code i}'s text: equal model, seed and prompt give equal text, and the choices
     * of a batch differ from one another.
     */
    long choiceSeed(int choice) {
        final long promptHash = prompts.get(Math.min(choice, prompts.size() - 1)).contentHash();
        return Prompt.mix(textSeed ^ (promptHash * 31 + choice));
    }

    /**
     * Returns the seed of input {@code i}'s embedding, which depends on the model and the text only.
     */
    long embeddingSeed(int input) {
        return Prompt.mix(textSeed ^ prompts.get(input).contentHash());
    }
}

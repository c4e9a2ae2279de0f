package dev.sluice.openai;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

import dev.sluice.openai.OpenAiRequest.PromptText;

/**
 * Reads an {@link OpenAiRequest} from a request body with a streaming parser.
 *
 * <p>Only top-level properties are inspected; everything else is skipped without materialising it, so a nested
 * {@code "model"} (inside a tool definition, say) is never mistaken for the request's model. The body itself is never
 * re-encoded: callers rewrite the model in place with {@link JsonEdits#replaceString}.
 */
public final class OpenAiRequestParser {

    private static final JsonFactory JSON = new JsonFactory();

    private OpenAiRequestParser() {}

    /** Parses the body, or throws {@link MalformedRequestException} naming what is wrong. */
    public static OpenAiRequest parse(byte[] body) {
        String model = null;
        int modelStart = -1;
        int modelEnd = -1;
        boolean stream = false;
        Integer maxTokens = null;
        boolean includeUsage = false;
        boolean hasStreamOptions = false;
        final List<PromptText> messages = new ArrayList<>(2);
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedRequestException("the request body must be a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                final String name = p.currentName();
                final JsonToken value = p.nextToken();
                switch (name) {
                    case "model" -> {
                        if (value == JsonToken.VALUE_STRING) {
                            modelStart = (int) p.currentTokenLocation().getByteOffset();
                            model = p.getString();
                            modelEnd = JsonEdits.endOfString(body, modelStart);
                        } else if (value != JsonToken.VALUE_NULL) {
                            throw new MalformedRequestException("'model' must be a string");
                        }
                    }
                    case "stream" -> stream = value == JsonToken.VALUE_TRUE;
                    case "max_tokens", "max_completion_tokens" -> {
                        if (value == JsonToken.VALUE_NUMBER_INT) {
                            maxTokens = p.getIntValue();
                        } else if (value != JsonToken.VALUE_NULL) {
                            throw new MalformedRequestException("'" + name + "' must be an integer");
                        }
                    }
                    case "stream_options" -> {
                        if (value == JsonToken.START_OBJECT) {
                            hasStreamOptions = true;
                            includeUsage = readIncludeUsage(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "prompt" -> readTexts(p, value, "prompt", messages);
                    case "input" -> readTexts(p, value, "input", messages);
                    case "messages" -> readMessages(p, value, messages);
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new MalformedRequestException("unexpected content after the JSON object");
            }
        } catch (JacksonException e) {
            throw new MalformedRequestException("malformed JSON: " + e.getOriginalMessage());
        }
        return new OpenAiRequest(model, modelStart, modelEnd, stream, maxTokens, includeUsage, hasStreamOptions,
                                 List.copyOf(messages));
    }

    private static boolean readIncludeUsage(JsonParser p) {
        boolean include = false;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            final String name = p.currentName();
            final JsonToken value = p.nextToken();
            if ("include_usage".equals(name)) {
                include = value == JsonToken.VALUE_TRUE;
            } else {
                p.skipChildren();
            }
        }
        return include;
    }

    /** Reads a string or an array of strings (token-id arrays are skipped: there is no text to see). */
    private static void readTexts(JsonParser p, JsonToken value, String role, List<PromptText> out) {
        if (value == JsonToken.VALUE_STRING) {
            out.add(new PromptText(role, p.getString()));
        } else if (value == JsonToken.START_ARRAY) {
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == JsonToken.VALUE_STRING) {
                    out.add(new PromptText(role, p.getString()));
                } else {
                    p.skipChildren();
                }
            }
        } else {
            p.skipChildren();
        }
    }

    private static void readMessages(JsonParser p, JsonToken value, List<PromptText> out) {
        if (value != JsonToken.START_ARRAY) {
            throw new MalformedRequestException("'messages' must be an array");
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String role = "user";
            final StringBuilder text = new StringBuilder();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                final String name = p.currentName();
                final JsonToken v = p.nextToken();
                if ("role".equals(name) && v == JsonToken.VALUE_STRING) {
                    role = p.getString();
                } else if ("content".equals(name)) {
                    readContent(p, v, text);
                } else {
                    p.skipChildren();
                }
            }
            out.add(new PromptText(role, text.toString()));
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            throw new MalformedRequestException("'messages' must be an array of objects");
        }
    }

    /** Chat content is a string or an array of parts; only {@code text} parts carry text. */
    private static void readContent(JsonParser p, JsonToken v, StringBuilder text) {
        if (v == JsonToken.VALUE_STRING) {
            text.append(p.getString());
            return;
        }
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                final String name = p.currentName();
                final JsonToken pv = p.nextToken();
                if ("text".equals(name) && pv == JsonToken.VALUE_STRING) {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(p.getString());
                } else {
                    p.skipChildren();
                }
            }
        }
    }
}

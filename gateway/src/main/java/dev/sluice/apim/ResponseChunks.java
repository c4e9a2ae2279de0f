package dev.sluice.apim;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Reads what token accounting needs from an OpenAI response body or stream chunk: whether {@code choices} is empty
 * (the usage-only chunk that ends a stream with {@code include_usage}), and the generated text's length per choice.
 */
final class ResponseChunks {

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * What one body or chunk holds.
     *
     * @param choicesEmpty whether {@code choices} is absent or an empty array
     * @param textChars characters of generated text across choices ({@code text}, {@code delta.content},
     *                  {@code message.content} and their {@code reasoning_content})
     * @param choicesWithText how many choices carried non-empty text
     */
    record Chunk(boolean choicesEmpty, long textChars, int choicesWithText) {}

    static final Chunk NOT_JSON = new Chunk(false, 0, 0);

    private ResponseChunks() {}

    static Chunk read(byte[] json, int offset, int length) {
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return NOT_JSON;
            }
            boolean empty = true;
            long chars = 0;
            int withText = 0;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                final String name = p.currentName();
                final JsonToken v = p.nextToken();
                if ("choices".equals(name) && v == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        empty = false;
                        final long c = choiceText(p);
                        chars += c;
                        if (c > 0) {
                            withText++;
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            return new Chunk(empty, chars, withText);
        } catch (JacksonException e) {
            return NOT_JSON;
        }
    }

    /** Reads one choice object (the parser is just past its start) and returns its text length. */
    private static long choiceText(JsonParser p) {
        long chars = 0;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            final String name = p.currentName();
            final JsonToken v = p.nextToken();
            if ("text".equals(name) && v == JsonToken.VALUE_STRING) {
                chars += p.getString().length();
            } else if (("delta".equals(name) || "message".equals(name)) && v == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    final String field = p.currentName();
                    final JsonToken fv = p.nextToken();
                    if (fv == JsonToken.VALUE_STRING &&
                        ("content".equals(field) || "reasoning_content".equals(field))) {
                        chars += p.getString().length();
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return chars;
    }
}

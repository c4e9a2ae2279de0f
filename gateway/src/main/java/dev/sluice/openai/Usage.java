package dev.sluice.openai;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

import org.jspecify.annotations.Nullable;

/**
 * Token usage as a model server reports it in {@code usage}: prompt, completion and cached prompt tokens
 * ({@code -1} when absent).
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens) {

    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] USAGE_KEY = "\"usage\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Reads the top-level {@code usage} of a response body or stream chunk, or returns {@code null} when there is
     * none (or it is {@code null}, as in stream chunks before the last).
     */
    public static @Nullable Usage parse(byte[] json, int offset, int length) {
        if (!contains(json, offset, length, USAGE_KEY)) {
            return null;
        }
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                final String name = p.currentName();
                final JsonToken v = p.nextToken();
                if ("usage".equals(name) && v == JsonToken.START_OBJECT) {
                    return readUsage(p);
                }
                p.skipChildren();
            }
        } catch (JacksonException e) {
            // Not JSON: no usage to read.
        }
        return null;
    }

    private static Usage readUsage(JsonParser p) {
        long prompt = -1;
        long completion = -1;
        long cached = -1;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            final String name = p.currentName();
            final JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_NUMBER_INT && "prompt_tokens".equals(name)) {
                prompt = p.getLongValue();
            } else if (v == JsonToken.VALUE_NUMBER_INT && "completion_tokens".equals(name)) {
                completion = p.getLongValue();
            } else if (v == JsonToken.START_OBJECT && "prompt_tokens_details".equals(name)) {
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    final String d = p.currentName();
                    final JsonToken dv = p.nextToken();
                    if (dv == JsonToken.VALUE_NUMBER_INT && "cached_tokens".equals(d)) {
                        cached = p.getLongValue();
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        return new Usage(prompt, completion, cached);
    }

    /** A cheap pre-check: most stream chunks carry no usage, and scanning bytes beats parsing them. */
    private static boolean contains(byte[] haystack, int offset, int length, byte[] needle) {
        final int end = offset + length - needle.length;
        outer:
        for (int i = offset; i <= end; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}

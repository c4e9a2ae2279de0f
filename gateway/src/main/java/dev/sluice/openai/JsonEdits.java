package dev.sluice.openai;

import java.nio.charset.StandardCharsets;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

/**
 * Edits one string value inside JSON bytes without re-encoding the rest of the document.
 *
 * <p>The gateway changes {@code model} in requests (rewrites) and in responses (mapping the name back), and nothing
 * else; splicing the bytes keeps every other field exactly as the client or model server wrote it.
 */
public final class JsonEdits {

    private static final JsonFactory JSON = new JsonFactory();

    private JsonEdits() {}

    /** Returns the offset just past the closing quote of the JSON string whose opening quote is at {@code start}. */
    static int endOfString(byte[] json, int start) {
        for (int i = start + 1; i < json.length; i++) {
            final byte b = json[i];
            if (b == '\\') {
                i++;
            } else if (b == '"') {
                return i + 1;
            }
        }
        throw new MalformedRequestException("unterminated string");
    }

    /** Returns {@code json} with the bytes in {@code [start, end)} replaced by {@code value} as a JSON string. */
    public static byte[] replaceString(byte[] json, int start, int end, String value) {
        final byte[] quoted = quote(value);
        final byte[] out = new byte[json.length - (end - start) + quoted.length];
        System.arraycopy(json, 0, out, 0, start);
        System.arraycopy(quoted, 0, out, start, quoted.length);
        System.arraycopy(json, end, out, start + quoted.length, json.length - end);
        return out;
    }

    /**
     * Returns {@code json} with its top-level {@code "model"} string set to {@code model}, or {@code json} itself when
     * it has no such field, already has that value, or is not a JSON object.
     */
    public static byte[] replaceTopLevelModel(byte[] json, int offset, int length, String model) {
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return slice(json, offset, length);
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                final String name = p.currentName();
                final JsonToken v = p.nextToken();
                if ("model".equals(name) && v == JsonToken.VALUE_STRING) {
                    if (model.equals(p.getString())) {
                        return slice(json, offset, length);
                    }
                    final int start = (int) p.currentTokenLocation().getByteOffset();
                    final byte[] whole = slice(json, offset, length);
                    return replaceString(whole, start, endOfString(whole, start), model);
                }
                p.skipChildren();
            }
        } catch (JacksonException | MalformedRequestException e) {
            // Not JSON we understand (an error page, say): pass it through untouched.
        }
        return slice(json, offset, length);
    }

    /** Returns {@code s} as a quoted JSON string. */
    public static byte[] quote(String s) {
        final StringBuilder buf = new StringBuilder(s.length() + 2).append('"');
        appendEscaped(buf, s);
        return buf.append('"').toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Appends {@code s} to {@code buf} with JSON string escaping. */
    public static void appendEscaped(StringBuilder buf, String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> buf.append("\\\"");
                case '\\' -> buf.append("\\\\");
                case '\n' -> buf.append("\\n");
                case '\r' -> buf.append("\\r");
                case '\t' -> buf.append("\\t");
                default -> {
                    if (c < 0x20) {
                        buf.append(String.format("\\u%04x", (int) c));
                    } else {
                        buf.append(c);
                    }
                }
            }
        }
    }

    private static byte[] slice(byte[] json, int offset, int length) {
        if (offset == 0 && length == json.length) {
            return json;
        }
        final byte[] out = new byte[length];
        System.arraycopy(json, offset, out, 0, length);
        return out;
    }
}

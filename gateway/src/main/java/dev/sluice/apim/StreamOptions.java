package dev.sluice.apim;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns on {@code stream_options.include_usage} in a streaming request body, so the model server ends the stream
 * with a usage chunk that token quotas can be settled from.
 */
final class StreamOptions {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final byte[] FIELD = "\"stream_options\":{\"include_usage\":true},"
            .getBytes(StandardCharsets.US_ASCII);

    private StreamOptions() {}

    /**
     * Returns {@code body} with {@code include_usage} set, or {@code null} when it is not a JSON object. Without a
     * {@code stream_options} object the field is spliced in after the opening brace, leaving every other byte as the
     * client sent it; otherwise the body is rewritten through a tree.
     */
    static byte @Nullable [] withIncludeUsage(byte[] body, boolean hasStreamOptions) {
        if (!hasStreamOptions) {
            int i = 0;
            while (i < body.length && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) {
                i++;
            }
            if (i >= body.length || body[i] != '{') {
                return null;
            }
            final byte[] out = new byte[body.length + FIELD.length];
            System.arraycopy(body, 0, out, 0, i + 1);
            System.arraycopy(FIELD, 0, out, i + 1, FIELD.length);
            System.arraycopy(body, i + 1, out, i + 1 + FIELD.length, body.length - i - 1);
            return out;
        }
        try {
            final JsonNode root = MAPPER.readTree(body);
            if (!(root instanceof ObjectNode obj)) {
                return null;
            }
            final JsonNode options = obj.get("stream_options");
            final ObjectNode o = options instanceof ObjectNode on ? on : obj.putObject("stream_options");
            o.put("include_usage", true);
            return MAPPER.writeValueAsBytes(obj);
        } catch (JacksonException e) {
            return null;
        }
    }
}

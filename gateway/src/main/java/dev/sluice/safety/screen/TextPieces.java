package dev.sluice.safety.screen;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.SensitiveFinding;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * The texts of an OpenAI request or response body that are screened, in body order, joined into one text (so a
 * violation split across messages is seen whole), with where each piece sits so that de-identified text can be
 * written back into the body.
 *
 * <p>Prompts: completions {@code prompt} (a string or a list of strings), embeddings {@code input}, and the
 * {@code content} (a string, or the {@code text} of its text parts) of every chat message except the assistant's.
 * Assistant turns are history the gateway screened as responses when they were generated; screening them again as
 * prompts would block conversations for what the model said (a client can forge them; see docs/safety.md).
 * Responses: every choice's {@code message.content} or {@code text} (Model Armor screens only the first; Sluice
 * screens all, so {@code n > 1} cannot slip unsafe text through).
 */
final class TextPieces {

    /** Separates pieces in the joined text. */
    static final String SEPARATOR = "\n\n";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One screened string: where it is in the body and in the joined text. */
    private record Piece(JsonNode parent, @Nullable String field, int index, int start, int end) {}

    private final JsonNode root;
    private final List<Piece> pieces = new ArrayList<>();
    private final String text;

    private TextPieces(JsonNode root, boolean prompt) {
        this.root = root;
        final StringBuilder buf = new StringBuilder();
        if (prompt) {
            collectStrings(root, "prompt", buf);
            collectStrings(root, "input", buf);
            for (JsonNode m : root.path("messages")) {
                if ("assistant".equals(m.path("role").asString(""))) {
                    continue;
                }
                collectContent(m, buf);
            }
        } else {
            for (JsonNode c : root.path("choices")) {
                final JsonNode message = c.get("message");
                if (message != null && message.isObject()) {
                    collectContent(message, buf);
                }
                if (c.path("text").isString()) {
                    add(c, "text", -1, c.get("text").asString(), buf);
                }
            }
        }
        text = buf.toString();
    }

    /** Reads a request body; {@code null} when it is not a JSON object. */
    static @Nullable TextPieces prompt(byte[] body) {
        return parse(body, true);
    }

    /** Reads a non-streamed response body; {@code null} when it is not a JSON object. */
    static @Nullable TextPieces response(byte[] body) {
        return parse(body, false);
    }

    private static @Nullable TextPieces parse(byte[] body, boolean prompt) {
        final JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            return null;
        }
        return root != null && root.isObject() ? new TextPieces(root, prompt) : null;
    }

    /** Returns the joined text to screen (empty when there is none). */
    String text() {
        return text;
    }

    /** Returns whether there is nothing to screen. */
    boolean isEmpty() {
        return pieces.isEmpty() || text.isBlank();
    }

    /**
     * Returns the body with each piece rewritten by {@code transform}, given the piece's text and the findings
     * inside it (offsets relative to the piece).
     */
    byte[] rewrite(List<SensitiveFinding> findings,
                   BiFunction<String, List<SensitiveFinding>, String> transform) {
        for (Piece p : pieces) {
            final List<SensitiveFinding> inside = new ArrayList<>();
            for (SensitiveFinding f : findings) {
                if (f.start() >= p.start() && f.end() <= p.end()) {
                    inside.add(new SensitiveFinding(f.infoType(), f.start() - p.start(), f.end() - p.start(),
                                                    f.likelihood()));
                }
            }
            if (inside.isEmpty()) {
                continue;
            }
            final String replaced = transform.apply(text.substring(p.start(), p.end()), inside);
            if (p.field() != null) {
                ((ObjectNode) p.parent()).set(p.field(), StringNode.valueOf(replaced));
            } else {
                ((ArrayNode) p.parent()).set(p.index(), StringNode.valueOf(replaced));
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    private void collectStrings(JsonNode parent, String field, StringBuilder buf) {
        final JsonNode v = parent.get(field);
        if (v == null) {
            return;
        }
        if (v.isString()) {
            add(parent, field, -1, v.asString(), buf);
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                if (v.get(i).isString()) {
                    add(v, null, i, v.get(i).asString(), buf);
                }
            }
        }
    }

    private void collectContent(JsonNode message, StringBuilder buf) {
        final JsonNode content = message.get("content");
        if (content == null) {
            return;
        }
        if (content.isString()) {
            add(message, "content", -1, content.asString(), buf);
        } else if (content.isArray()) {
            for (JsonNode part : content) {
                if ("text".equals(part.path("type").asString("")) && part.path("text").isString()) {
                    add(part, "text", -1, part.get("text").asString(), buf);
                }
            }
        }
    }

    private void add(JsonNode parent, @Nullable String field, int index, String s, StringBuilder buf) {
        if (s.isEmpty()) {
            return;
        }
        if (!buf.isEmpty()) {
            buf.append(SEPARATOR);
        }
        final int start = buf.length();
        buf.append(s);
        pieces.add(new Piece(parent, field, index, start, buf.length()));
    }
}

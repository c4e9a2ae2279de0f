package dev.sluice.safety.learned;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the safety training JSONL files and assigns every row to a split by a stable hash of its normalised text, so
 * that the split does not depend on file order, and near-identical rows (case, spacing, punctuation) share a split.
 */
public final class TrainingData {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TrainingData() {}

    /** Reads every {@code *.jsonl} file of {@code dir}, in file-name order. */
    public static List<LabelledText> readDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("not a directory: " + dir);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jsonl = files.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
            if (jsonl.isEmpty()) {
                throw new IllegalArgumentException("no *.jsonl files in " + dir);
            }
            List<LabelledText> rows = new ArrayList<>();
            for (Path file : jsonl) {
                rows.addAll(readFile(file));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** Reads one JSONL file of {@code {"text", "label", "category", "subcategory"}} rows. */
    public static List<LabelledText> readFile(Path file) {
        String name = file.getFileName().toString();
        List<LabelledText> rows = new ArrayList<>();
        try {
            int lineNo = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = JSON.readTree(line);
                JsonNode text = node.get("text");
                JsonNode label = node.get("label");
                if (text == null || label == null) {
                    throw new IllegalArgumentException(name + ":" + lineNo + ": a row needs \"text\" and \"label\"");
                }
                String l = label.asString();
                if (!l.equals("unsafe") && !l.equals("safe")) {
                    throw new IllegalArgumentException(name + ":" + lineNo + ": label must be unsafe or safe, got " + l);
                }
                String category = node.has("category") ? node.get("category").asString() : "NONE";
                String sub = node.has("subcategory") ? node.get("subcategory").asString() : "";
                rows.add(new LabelledText(name, text.asString(), l.equals("unsafe"), category, sub,
                        splitOf(text.asString())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return rows;
    }

    /** Lower case, letters and digits only: the data set's own uniqueness rule. */
    public static String normalise(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.toLowerCase(Locale.ROOT).codePoints().filter(Character::isLetterOrDigit).forEach(sb::appendCodePoint);
        return sb.toString();
    }

    /** A number in [0, 100) from the SHA-256 of the normalised text. */
    public static int bucket(String text) {
        byte[] h = sha256(normalise(text));
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return (int) Long.remainderUnsigned(v, 100);
    }

    /** 70% train, 15% calibration, 15% test. */
    public static LabelledText.Split splitOf(String text) {
        int b = bucket(text);
        return b < 70 ? LabelledText.Split.TRAIN : b < 85 ? LabelledText.Split.CALIBRATION : LabelledText.Split.TEST;
    }

    static byte[] sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Hex SHA-256 of a file's bytes, for the weights header. */
    public static String fileSha256(Path file) {
        try {
            return HexFormat.of().formatHex(sha256(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}

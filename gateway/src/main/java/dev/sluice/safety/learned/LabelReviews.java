package dev.sluice.safety.learned;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Corrected labels for rows of the training data, read from a TSV file of {@code key, label, category, note} lines
 * ({@code #} starts a comment): the key is the first 16 hex digits of the SHA-256 of the row's normalised text (see
 * {@link TrainingData#normalise}), so the file names rows without copying their text. A review replaces the row's label
 * and category and appends {@code " reviewed:NOTE"} to its subcategory; the split stays, since it hangs on the text.
 */
public final class LabelReviews {

    private static final Pattern KEY = Pattern.compile("[0-9a-f]{16}");

    private record Review(boolean unsafe, String category, String note) {}

    private final Map<String, Review> byKey;

    private LabelReviews(Map<String, Review> byKey) {
        this.byKey = byKey;
    }

    /** No reviews: {@link #apply} returns its rows unchanged. */
    public static LabelReviews none() {
        return new LabelReviews(Map.of());
    }

    /** Reads a reviews file; a malformed line fails with its line number. */
    public static LabelReviews read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, Review> byKey = new HashMap<>();
        String name = file.getFileName().toString();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String where = name + ":" + (i + 1) + ": ";
            if (f.length != 4) {
                throw new IllegalArgumentException(where
                        + "expected 4 tab-separated fields (key, label, category, note), got " + f.length);
            }
            if (!KEY.matcher(f[0]).matches()) {
                throw new IllegalArgumentException(where + "the key must be 16 lowercase hex digits, got " + f[0]);
            }
            if (!f[1].equals("unsafe") && !f[1].equals("safe")) {
                throw new IllegalArgumentException(where + "label must be unsafe or safe, got " + f[1]);
            }
            boolean unsafe = f[1].equals("unsafe");
            if (f[2].isEmpty() || unsafe == f[2].equals("NONE")) {
                throw new IllegalArgumentException(where + "category " + f[2] + " does not fit label " + f[1]
                        + " (safe rows are NONE, unsafe rows name their category)");
            }
            if (byKey.putIfAbsent(f[0], new Review(unsafe, f[2], f[3])) != null) {
                throw new IllegalArgumentException(where + "key " + f[0] + " is reviewed twice");
            }
        }
        return new LabelReviews(byKey);
    }

    /** The key of a text in a reviews file. */
    public static String key(String text) {
        return HexFormat.of().formatHex(TrainingData.sha256(TrainingData.normalise(text))).substring(0, 16);
    }

    /** How many rows the file reviews. */
    public int size() {
        return byKey.size();
    }

    /** The rows with every reviewed row replaced by its corrected copy, in the same order. */
    public List<LabelledText> apply(List<LabelledText> rows) {
        if (byKey.isEmpty()) {
            return rows;
        }
        List<LabelledText> out = new ArrayList<>(rows.size());
        for (LabelledText r : rows) {
            Review v = byKey.get(key(r.text()));
            out.add(v == null ? r : new LabelledText(r.file(), r.text(), v.unsafe(), v.category(),
                    r.subcategory() + " reviewed:" + v.note(), r.split()));
        }
        return out;
    }
}

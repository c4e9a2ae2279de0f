package dev.sluice.safety.learned;

import static java.util.Objects.requireNonNull;

/**
 * One labelled row of the safety training data ({@code {"text", "label", "category", "subcategory"}} JSONL).
 *
 * @param file the file name the row came from, for example {@code toxic.jsonl}
 * @param text the text
 * @param unsafe whether the screen should flag the text
 * @param category the data set's category ({@code JAILBREAK}, {@code HATE_SPEECH}, {@code NONE}, ...)
 * @param subcategory where the row came from, for slicing results
 * @param split the row's split, from a stable hash of its normalised text
 */
public record LabelledText(String file, String text, boolean unsafe, String category, String subcategory,
                           Split split) {

    /** The three disjoint parts of the data. */
    public enum Split {
        /** 70%: fits the heads. */
        TRAIN,
        /** 15%: chooses the thresholds of the confidence levels. */
        CALIBRATION,
        /** 15%: held out for the reported figures. */
        TEST
    }

    /** Whether the row is a model response (files named {@code response*.jsonl}), screened as output text. */
    public boolean isResponse() {
        return file.startsWith("response");
    }

    public LabelledText {
        requireNonNull(file, "file");
        requireNonNull(text, "text");
        requireNonNull(category, "category");
        requireNonNull(subcategory, "subcategory");
        requireNonNull(split, "split");
    }
}

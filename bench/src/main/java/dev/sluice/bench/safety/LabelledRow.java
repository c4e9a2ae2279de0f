package dev.sluice.bench.safety;

/**
 * One line of a safety evaluation file: {@code {"text", "label": "unsafe"|"safe", "category"}}.
 *
 * @param text the text to screen
 * @param unsafe whether the template should flag it
 * @param category the category as written ({@code NONE} when absent)
 * @param line the 1-based line in its file, for messages
 */
record LabelledRow(String text, boolean unsafe, String category, int line) {}

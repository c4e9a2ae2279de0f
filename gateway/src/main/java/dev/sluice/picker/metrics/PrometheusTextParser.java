package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Extracts the samples of a few named metrics from a Prometheus text exposition (format 0.0.4) or an OpenMetrics
 * one, skipping everything else and never throwing on bad input.
 *
 * <h2>Why a parser of our own</h2>
 * A model server's {@code /metrics} page is tens of kilobytes, mostly histogram buckets, and the gateway reads it
 * for every endpoint twenty times a second, yet needs about ten lines of it. The Prometheus client's parser builds
 * every family; this one reads each line's name in place and compares it with the requested names, so a line of
 * another family costs a scan and no allocation. Only requested lines are fully parsed and validated.
 *
 * <h2>What it accepts</h2>
 * <ul>
 *   <li>Lines end in {@code \n} or {@code \r\n}; blank lines and blanks or tabs around tokens are ignored.</li>
 *   <li>Lines starting with {@code #} are comments ({@code HELP} and {@code TYPE} included, which the extraction
 *       does not need); {@code # EOF} ends the exposition, as in OpenMetrics.</li>
 *   <li>{@code name{label="value",...} value [timestamp] [# exemplar]}: a trailing comma in the label set is
 *       allowed; label values resolve the escapes {@code \\}, {@code \"} and {@code \n} (an unknown escape is kept
 *       as written); values are decimal or {@code NaN}, {@code +Inf}, {@code -Inf}, {@code Inf} in any case; an
 *       OpenMetrics exemplar after {@code " # "} is ignored. The quoted metric and label names of the UTF-8
 *       extension ({@code {"my.metric",le="1"} 3}) are read too.</li>
 *   <li>Samples are matched by the name written on the line, so OpenMetrics {@code _created} and {@code _total}
 *       samples and histogram {@code _bucket}/{@code _sum}/{@code _count} lines are distinct names that are
 *       skipped unless requested.</li>
 * </ul>
 * A line that cannot be read is skipped and counted in {@link PrometheusSamples#malformedLines()}; lines of
 * families that were not requested are not validated beyond their name.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @see <a href="https://prometheus.io/docs/instrumenting/exposition_formats/">Exposition formats</a>
 * @see <a href="https://prometheus.io/docs/specs/om/open_metrics_spec/">OpenMetrics</a>
 */
public final class PrometheusTextParser {

    /** Returns a parser that extracts the samples named in {@code sampleNames}. */
    public static PrometheusTextParser forNames(Collection<String> sampleNames) {
        requireNonNull(sampleNames, "sampleNames");
        final Set<String> names = new LinkedHashSet<>();
        for (String name : sampleNames) {
            requireNonNull(name, "sampleNames contains null");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("sampleNames: " + sampleNames + " (expected: non-empty names)");
            }
            names.add(name);
        }
        return new PrometheusTextParser(names);
    }

    private final Set<String> names;
    private final String[] wanted;

    private PrometheusTextParser(Set<String> names) {
        this.names = Collections.unmodifiableSet(names);
        wanted = names.toArray(String[]::new);
    }

    /** Returns the sample names this parser extracts. */
    public Set<String> names() {
        return names;
    }

    /** Returns the requested samples found in {@code text}. */
    public PrometheusSamples parse(String text) {
        requireNonNull(text, "text");
        final Accumulator acc = new Accumulator();
        final int n = text.length();
        int pos = 0;
        while (pos < n) {
            int eol = text.indexOf('\n', pos);
            if (eol < 0) {
                eol = n;
            }
            final int end = eol > pos && text.charAt(eol - 1) == '\r' ? eol - 1 : eol;
            parseLine(text, pos, end, acc);
            if (acc.eof) {
                break;
            }
            pos = eol + 1;
        }
        final Map<String, List<MetricSample>> byName = new HashMap<>();
        acc.samples.forEach((name, list) -> byName.put(name, List.copyOf(list)));
        return new PrometheusSamples(byName, acc.sampleLines, acc.malformedLines, acc.eof);
    }

    private void parseLine(String text, int start, int end, Accumulator acc) {
        int i = skipBlanks(text, start, end);
        if (i == end) {
            return;
        }
        final char first = text.charAt(i);
        if (first == '#') {
            if (isEof(text, i + 1, end)) {
                acc.eof = true;
            }
            return;
        }
        acc.sampleLines++;

        final String name;
        Map<String, String> labels = Map.of();
        if (isNameStart(first, true)) {
            int j = i + 1;
            while (j < end && isNameChar(text.charAt(j), true)) {
                j++;
            }
            final int match = match(text, i, j);
            if (match < 0) {
                return; // another family: not validated further
            }
            name = wanted[match];
            i = j;
            final int brace = skipBlanks(text, i, end);
            if (brace < end && text.charAt(brace) == '{') {
                final LabelBlock block = parseLabels(text, brace, end, false);
                if (block == null) {
                    acc.malformedLines++;
                    return;
                }
                labels = block.labels;
                i = block.end;
            }
        } else if (first == '{') {
            // UTF-8 metric names are quoted inside the braces: the name is known only once they are read.
            final LabelBlock block = parseLabels(text, i, end, true);
            if (block == null || block.name == null) {
                acc.malformedLines++;
                return;
            }
            if (!names.contains(block.name)) {
                return;
            }
            name = block.name;
            labels = block.labels;
            i = block.end;
        } else {
            acc.malformedLines++;
            return;
        }

        // A blank, then the value.
        if (i == end || !isBlank(text.charAt(i))) {
            acc.malformedLines++;
            return;
        }
        i = skipBlanks(text, i, end);
        int j = skipToken(text, i, end);
        final double value = parseNumber(text, i, j);
        if (value != value && !isNaNToken(text, i, j)) {
            acc.malformedLines++;
            return;
        }
        i = skipBlanks(text, j, end);
        double timestamp = Double.NaN;
        if (i < end && text.charAt(i) != '#') {
            j = skipToken(text, i, end);
            timestamp = parseNumber(text, i, j);
            if (timestamp != timestamp) {
                acc.malformedLines++;
                return;
            }
            i = skipBlanks(text, j, end);
        }
        if (i < end && text.charAt(i) != '#') {
            acc.malformedLines++; // something other than an exemplar after the timestamp
            return;
        }
        acc.samples.computeIfAbsent(name, k -> new ArrayList<>(4))
                   .add(new MetricSample(name, labels, value, timestamp));
    }

    /** Returns the index of the requested name equal to {@code text[from, to)}, or -1. */
    private int match(String text, int from, int to) {
        final int length = to - from;
        final char first = text.charAt(from);
        for (int k = 0; k < wanted.length; k++) {
            final String name = wanted[k];
            if (name.length() == length && name.charAt(0) == first &&
                text.regionMatches(from, name, 0, length)) {
                return k;
            }
        }
        return -1;
    }

    private record LabelBlock(Map<String, String> labels, @Nullable String name, int end) {}

    /**
     * Reads {@code {...}} starting at {@code text[from] == '{'}; returns null when it is malformed. When
     * {@code nameAllowed}, one item may be a bare quoted string: the metric name.
     */
    private static @Nullable LabelBlock parseLabels(String text, int from, int end, boolean nameAllowed) {
        final Map<String, String> labels = new LinkedHashMap<>();
        String metricName = null;
        int i = skipBlanks(text, from + 1, end);
        final StringBuilder buf = new StringBuilder();
        while (true) {
            if (i >= end) {
                return null;
            }
            char c = text.charAt(i);
            if (c == '}') {
                i++;
                break;
            }
            // An item: a label name (plain or quoted), or a quoted metric name.
            final String key;
            final boolean quoted = c == '"';
            if (quoted) {
                i = readQuoted(text, i, end, buf);
                if (i < 0) {
                    return null;
                }
                key = buf.toString();
            } else if (isNameStart(c, false)) {
                int j = i + 1;
                while (j < end && isNameChar(text.charAt(j), false)) {
                    j++;
                }
                key = text.substring(i, j);
                i = j;
            } else {
                return null;
            }
            i = skipBlanks(text, i, end);
            if (i < end && text.charAt(i) == '=') {
                i = skipBlanks(text, i + 1, end);
                if (i >= end || text.charAt(i) != '"') {
                    return null;
                }
                i = readQuoted(text, i, end, buf);
                if (i < 0 || labels.putIfAbsent(key, buf.toString()) != null) {
                    return null; // unterminated, or a duplicate label name
                }
            } else if (nameAllowed && quoted && metricName == null && labels.isEmpty() && !key.isEmpty()) {
                metricName = key;
            } else {
                return null;
            }
            i = skipBlanks(text, i, end);
            if (i >= end) {
                return null;
            }
            c = text.charAt(i);
            if (c == ',') {
                i = skipBlanks(text, i + 1, end);
            } else if (c != '}') {
                return null;
            }
        }
        return new LabelBlock(labels.isEmpty() ? Map.of() : Collections.unmodifiableMap(labels), metricName, i);
    }

    /**
     * Reads the quoted string at {@code text[from] == '"'} into {@code buf}, resolving escapes; returns the index
     * after the closing quote, or -1 when it is unterminated.
     */
    private static int readQuoted(String text, int from, int end, StringBuilder buf) {
        buf.setLength(0);
        int i = from + 1;
        while (i < end) {
            final char c = text.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\' && i + 1 < end) {
                final char next = text.charAt(i + 1);
                switch (next) {
                    case '\\' -> buf.append('\\');
                    case '"' -> buf.append('"');
                    case 'n' -> buf.append('\n');
                    default -> buf.append('\\').append(next);
                }
                i += 2;
            } else {
                buf.append(c);
                i++;
            }
        }
        return -1;
    }

    /** Parses a Prometheus float; returns NaN when the token is not one (callers tell NaN tokens apart). */
    private static double parseNumber(String text, int from, int to) {
        if (from >= to) {
            return Double.NaN;
        }
        int i = from;
        final char sign = text.charAt(i);
        if (sign == '+' || sign == '-') {
            i++;
        }
        final int rest = to - i;
        if (rest == 3 && text.regionMatches(true, i, "inf", 0, 3) ||
            rest == 8 && text.regionMatches(true, i, "infinity", 0, 8)) {
            return sign == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        boolean digits = false;
        for (int k = i; k < to; k++) {
            final char c = text.charAt(k);
            if (c >= '0' && c <= '9') {
                digits = true;
            } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
                return Double.NaN; // also rules out Java's own suffixes ("1d") and hex floats
            }
        }
        if (!digits) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(text.substring(from, to));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static boolean isNaNToken(String text, int from, int to) {
        return to - from == 3 && text.regionMatches(true, from, "nan", 0, 3);
    }

    private static boolean isEof(String text, int from, int end) {
        final int i = skipBlanks(text, from, end);
        return end - i >= 3 && text.startsWith("EOF", i) && skipBlanks(text, i + 3, end) == end;
    }

    private static int skipBlanks(String text, int from, int end) {
        int i = from;
        while (i < end && isBlank(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipToken(String text, int from, int end) {
        int i = from;
        while (i < end && !isBlank(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isNameStart(char c, boolean colon) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || colon && c == ':';
    }

    private static boolean isNameChar(char c, boolean colon) {
        return isNameStart(c, colon) || c >= '0' && c <= '9';
    }

    /** Collects one parse's results. */
    private static final class Accumulator {
        final Map<String, List<MetricSample>> samples = new HashMap<>();
        int sampleLines;
        int malformedLines;
        boolean eof;
    }

    @Override
    public String toString() {
        return "PrometheusTextParser" + names;
    }
}

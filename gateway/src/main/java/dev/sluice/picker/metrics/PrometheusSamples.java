package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * Holds the samples that a {@link PrometheusTextParser} extracted from one exposition, and how many lines it
 * could not read.
 */
public final class PrometheusSamples {

    private final Map<String, List<MetricSample>> byName;
    private final int sampleLines;
    private final int malformedLines;
    private final boolean eof;

    PrometheusSamples(Map<String, List<MetricSample>> byName, int sampleLines, int malformedLines, boolean eof) {
        this.byName = byName;
        this.sampleLines = sampleLines;
        this.malformedLines = malformedLines;
        this.eof = eof;
    }

    /** Returns the samples named {@code name} in the order they appeared; empty when there were none. */
    public List<MetricSample> samples(String name) {
        requireNonNull(name, "name");
        return byName.getOrDefault(name, List.of());
    }

    /** Returns the number of lines that were neither blank nor comments, of any family. */
    public int sampleLines() {
        return sampleLines;
    }

    /**
     * Returns the number of lines skipped as unreadable: lines that do not start with a metric name, and lines of
     * the requested families whose labels, value or timestamp do not parse.
     */
    public int malformedLines() {
        return malformedLines;
    }

    /** Returns whether the OpenMetrics terminator {@code # EOF} was seen (nothing after it is read). */
    public boolean sawEof() {
        return eof;
    }

    @Override
    public String toString() {
        return "PrometheusSamples{" + byName + ", sampleLines=" + sampleLines + ", malformedLines=" +
               malformedLines + ", eof=" + eof + '}';
    }
}

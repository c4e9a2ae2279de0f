package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/**
 * One sample line of the Prometheus text format: a sample name, its labels, its value and its optional timestamp.
 *
 * @param name the sample name as written on the line (a counter's {@code _total} suffix included)
 * @param labels the labels in the order they were written, with escapes resolved
 * @param value the value; {@code NaN} and the infinities are kept as such
 * @param timestamp the timestamp as written ({@code NaN} when absent): milliseconds in the Prometheus text format,
 *                  seconds in OpenMetrics
 */
public record MetricSample(String name, Map<String, String> labels, double value, double timestamp) {

    public MetricSample {
        requireNonNull(name, "name");
        requireNonNull(labels, "labels");
    }

    /** Returns the value of the label {@code name}, or {@code ""} when the sample does not carry it. */
    public String label(String name) {
        return labels.getOrDefault(name, "");
    }
}

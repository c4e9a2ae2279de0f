package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sample name with label equality matchers, written like a PromQL vector selector: {@code name} or
 * {@code name{label=value,label2="value2"}}, as in GIE's engine configuration.
 */
record MetricSelector(String name, Map<String, String> matchers) {

    static MetricSelector parse(String spec) {
        requireNonNull(spec, "spec");
        final String s = spec.strip();
        final int brace = s.indexOf('{');
        final String name = (brace < 0 ? s : s.substring(0, brace)).strip();
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("metric: '" + spec + "' (expected: name or name{label=value,...})");
        }
        final Map<String, String> matchers = new LinkedHashMap<>();
        if (brace >= 0) {
            if (!s.endsWith("}")) {
                throw new IllegalArgumentException("metric: '" + spec + "' (expected: a closing '}')");
            }
            for (String item : s.substring(brace + 1, s.length() - 1).split(",")) {
                if (item.isBlank()) {
                    continue;
                }
                final int eq = item.indexOf('=');
                final String label = eq < 0 ? "" : item.substring(0, eq).strip();
                String value = eq < 0 ? "" : item.substring(eq + 1).strip();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    throw new IllegalArgumentException(
                            "metric: '" + spec + "' (expected: label matchers of the form label=value)");
                }
                matchers.put(label, value);
            }
        }
        return new MetricSelector(name, Map.copyOf(matchers));
    }

    boolean matches(MetricSample sample) {
        for (Map.Entry<String, String> m : matchers.entrySet()) {
            if (!sample.label(m.getKey()).equals(m.getValue())) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        if (matchers.isEmpty()) {
            return name;
        }
        final StringBuilder b = new StringBuilder(name).append('{');
        matchers.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
        b.setCharAt(b.length() - 1, '}');
        return b.toString();
    }
}

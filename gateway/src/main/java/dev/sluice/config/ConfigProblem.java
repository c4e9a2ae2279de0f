package dev.sluice.config;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.Resources.Location;

/**
 * One problem found while loading configuration: where it is, which resource and field, and what is wrong.
 *
 * <p>{@code resource} is {@code Kind/name} ({@code null} when the document could not be identified, for example a
 * YAML syntax error); {@code field} is a path such as {@code spec.rules[0].backendRefs[1].weight} ({@code null}
 * when the problem concerns a whole file or document); {@code message} gives the value and the expectation, as in
 * {@code -1 (expected: 0..1000000)}.
 */
public record ConfigProblem(Location location, @Nullable String resource, @Nullable String field, String message) {

    public ConfigProblem {
        requireNonNull(location, "location");
        requireNonNull(message, "message");
    }

    /** Returns {@code file:line: Kind/name: field: message}, leaving out the parts that are unknown. */
    @Override
    public String toString() {
        final StringBuilder buf = new StringBuilder().append(location).append(": ");
        if (resource != null) {
            buf.append(resource).append(": ");
        }
        if (field != null) {
            buf.append(field).append(": ");
        }
        return buf.append(message).toString();
    }
}

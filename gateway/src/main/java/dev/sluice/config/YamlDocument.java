package dev.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import dev.sluice.config.Resources.Location;

/**
 * One YAML document being bound: where it came from, which resource it is, and the problems found in it.
 *
 * <p>Binding reads fields through {@link Obj}, which checks types and ranges, reports every problem with its line
 * and field path, and remembers which keys were read so that {@link Obj#done()} can report the unknown ones. Readers
 * return {@code null} (or a default) after reporting a problem, so binding goes on and finds the next one.
 */
final class YamlDocument {

    private static final int MAX_RENDERED = 80;

    final String file;
    /** The directory of {@link #file}, against which relative file paths inside the document resolve. */
    final Path baseDir;
    private final List<ConfigProblem> problems;
    /** {@code Kind/name} once known; problems found before that carry what was known then. */
    @Nullable String resource;

    YamlDocument(String file, Path baseDir, List<ConfigProblem> problems) {
        this.file = file;
        this.baseDir = baseDir;
        this.problems = problems;
    }

    static int line(Node node) {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    Location location(Node node) {
        return new Location(file, line(node));
    }

    void problem(Node at, @Nullable String field, String message) {
        problems.add(new ConfigProblem(location(at), resource, field, message));
    }

    /** Reports a present but bad value: {@code field: value (expected: ...)}. */
    void invalid(Node at, @Nullable String field, String expected) {
        problem(at, field, render(at) + " (expected: " + expected + ')');
    }

    /** Reports a bad value with an explanation: {@code field: value (expected: ...; why)}. */
    void invalid(Node at, @Nullable String field, String expected, String why) {
        problem(at, field, render(at) + " (expected: " + expected + "; " + why + ')');
    }

    /** Returns the node as a mapping, or reports it and returns {@code null}. */
    @Nullable Obj obj(Node node, String path) {
        if (node instanceof MappingNode mapping) {
            return new Obj(mapping, path);
        }
        invalid(node, path.isEmpty() ? null : path, "a mapping");
        return null;
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    /** Renders a value for a message the way it was written: quoted if it was quoted, shortened if long. */
    static String render(Node node) {
        if (node instanceof SequenceNode seq) {
            return seq.getValue().isEmpty() ? "[]" : "a list";
        }
        if (node instanceof MappingNode mapping) {
            return mapping.getValue().isEmpty() ? "{}" : "a mapping";
        }
        final ScalarNode scalar = (ScalarNode) node;
        if (isNull(scalar)) {
            return "null";
        }
        String value = scalar.getValue();
        if (value.length() > MAX_RENDERED) {
            value = value.substring(0, MAX_RENDERED - 3) + "...";
        }
        value = value.replace("\n", "\\n");
        return scalar.isPlain() && !value.isEmpty() ? value : '"' + value + '"';
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + '.' + key;
    }

    /** A mapping being read field by field. */
    final class Obj {

        final MappingNode node;
        final String path;
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
        private final Set<String> read = new LinkedHashSet<>();
        private final Set<String> ignored = new LinkedHashSet<>();
        private final List<NodeTuple> badKeys = new ArrayList<>();

        Obj(MappingNode node, String path) {
            this.node = node;
            this.path = path;
            for (NodeTuple tuple : node.getValue()) {
                final Node key = tuple.getKeyNode();
                if (!(key instanceof ScalarNode scalar) || !Tag.STR.equals(key.getTag())) {
                    badKeys.add(tuple);
                    continue;
                }
                if (entries.putIfAbsent(scalar.getValue(), tuple) != null) {
                    problem(key, join(path, scalar.getValue()), "duplicate key (expected: each key once)");
                }
            }
        }

        YamlDocument doc() {
            return YamlDocument.this;
        }

        String field(String key) {
            return join(path, key);
        }

        /** Returns whether the key is present with a non-null value (and marks it as known). */
        boolean has(String key) {
            return value(key) != null;
        }

        /** Returns the value of a key, or {@code null} when absent or null; marks the key as known. */
        @Nullable Node value(String key) {
            read.add(key);
            final NodeTuple tuple = entries.get(key);
            if (tuple == null || isNull(tuple.getValueNode())) {
                return null;
            }
            return tuple.getValueNode();
        }

        /** Accepts and drops keys that carry nothing for Sluice (such as {@code status}) without listing them. */
        void ignore(String... keys) {
            ignored.addAll(List.of(keys));
        }

        /**
         * Reports a list that is absent or empty; returns whether it has at least one element. A list whose
         * elements all failed to bind is not reported again.
         */
        boolean requireNonEmpty(String key, String expected) {
            final Node value = value(key);
            if (value == null) {
                missing(key, expected);
                return false;
            }
            if (value instanceof SequenceNode seq && seq.getValue().isEmpty()) {
                invalid(value, field(key), expected);
                return false;
            }
            return true;
        }

        /** Returns the key node, for problems about a key rather than its value. */
        Node keyNode(String key) {
            final NodeTuple tuple = entries.get(key);
            return tuple != null ? tuple.getKeyNode() : node;
        }

        void missing(String key, String expected) {
            problem(node, field(key), "missing (expected: " + expected + ')');
        }

        @Nullable String string(String key) {
            final Node value = value(key);
            return value == null ? null : asString(value, field(key));
        }

        @Nullable String requiredString(String key) {
            final Node value = value(key);
            if (value == null) {
                missing(key, "a string");
                return null;
            }
            return asString(value, field(key));
        }

        /** Reads a string that must match a pattern, described by {@code expected}. */
        @Nullable String string(String key, boolean required, Pattern pattern, int maxLength, String expected) {
            final Node value = value(key);
            if (value == null) {
                if (required) {
                    missing(key, expected);
                }
                return null;
            }
            final String s = asString(value, field(key));
            if (s == null) {
                return null;
            }
            if (s.length() > maxLength || !pattern.matcher(s).matches()) {
                invalid(value, field(key), expected);
                return null;
            }
            return s;
        }

        /** Reads one of the allowed strings, reporting it when absent. */
        @Nullable String requiredOneOf(String key, List<String> allowed) {
            if (value(key) == null) {
                missing(key, "one of " + String.join(", ", allowed));
                return null;
            }
            return oneOf(key, null, allowed);
        }

        /** Reads one of the allowed strings, or {@code defaultValue} when absent. */
        @Nullable String oneOf(String key, @Nullable String defaultValue, List<String> allowed) {
            final Node value = value(key);
            if (value == null) {
                return defaultValue;
            }
            final String s = asString(value, field(key));
            if (s == null) {
                return defaultValue;
            }
            if (!allowed.contains(s)) {
                invalid(value, field(key), "one of " + String.join(", ", allowed));
                return defaultValue;
            }
            return s;
        }

        @Nullable Long integer(String key, long min, long max) {
            final Node value = value(key);
            return value == null ? null : asInteger(value, field(key), min, max);
        }

        @Nullable Integer integer(String key, int min, int max) {
            final Long value = integer(key, (long) min, (long) max);
            return value == null ? null : value.intValue();
        }

        int integer(String key, int min, int max, int defaultValue) {
            final Integer value = integer(key, min, max);
            return value == null ? defaultValue : value;
        }

        @Nullable Integer requiredInteger(String key, int min, int max) {
            if (value(key) == null) {
                missing(key, "an integer " + min + ".." + max);
                return null;
            }
            return integer(key, min, max);
        }

        boolean bool(String key, boolean defaultValue) {
            final Node value = value(key);
            if (value == null) {
                return defaultValue;
            }
            if (value instanceof ScalarNode scalar && Tag.BOOL.equals(scalar.getTag())) {
                return Boolean.parseBoolean(scalar.getValue().toLowerCase());
            }
            invalid(value, field(key), "true or false");
            return defaultValue;
        }

        /**
         * Reads a Gateway API duration ({@code 1h30m}, {@code 500ms}); {@code allowZero} admits {@code 0s},
         * {@code max} bounds it.
         */
        @Nullable Duration duration(String key, boolean allowZero, @Nullable Duration max) {
            final Node value = value(key);
            if (value == null) {
                return null;
            }
            final String expected = (allowZero ? "a duration >= 0" : "a duration > 0") +
                                    (max != null ? " and <= " + GatewayDurations.format(max) : "") +
                                    " such as 500ms, 1s, 1m30s";
            final String s = asString(value, field(key), expected);
            if (s == null) {
                return null;
            }
            final Duration d = GatewayDurations.parse(s);
            if (d == null || (!allowZero && d.isZero()) || (max != null && d.compareTo(max) > 0)) {
                invalid(value, field(key), expected);
                return null;
            }
            return d;
        }

        /** Reads a nested mapping, or returns {@code null} (reporting it when required). */
        @Nullable Obj obj(String key, boolean required) {
            final Node value = value(key);
            if (value == null) {
                if (required) {
                    missing(key, "a mapping");
                }
                return null;
            }
            return doc().obj(value, field(key));
        }

        /** Reads a list, binding each element; elements that bind to {@code null} are left out. */
        <T> List<T> list(String key, BiFunction<Node, String, @Nullable T> element) {
            final Node value = value(key);
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof SequenceNode seq)) {
                invalid(value, field(key), "a list");
                return List.of();
            }
            final List<T> result = new ArrayList<>();
            final List<Node> items = seq.getValue();
            for (int i = 0; i < items.size(); i++) {
                final Node item = items.get(i);
                final String itemPath = field(key) + '[' + i + ']';
                if (isNull(item)) {
                    invalid(item, itemPath, "a value");
                    continue;
                }
                final T t = element.apply(item, itemPath);
                if (t != null) {
                    result.add(t);
                }
            }
            return result;
        }

        /** Reads a list of mappings, binding each with {@code element}. */
        <T> List<T> objects(String key, BiFunction<Obj, Node, @Nullable T> element) {
            return list(key, (item, itemPath) -> {
                final Obj obj = doc().obj(item, itemPath);
                if (obj == null) {
                    return null;
                }
                final T t = element.apply(obj, item);
                obj.done();
                return t;
            });
        }

        List<String> strings(String key) {
            return list(key, YamlDocument.this::asString);
        }

        /** Reads a map of strings to strings, as Kubernetes labels, annotations and ConfigMap data are. */
        Map<String, String> stringMap(String key) {
            final Node value = value(key);
            if (value == null) {
                return Map.of();
            }
            final Obj map = doc().obj(value, field(key));
            return map == null ? Map.of() : map.asStringMap();
        }

        /** Reads every entry of this mapping as a string; all its keys count as known. */
        Map<String, String> asStringMap() {
            final Map<String, String> result = new LinkedHashMap<>();
            for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
                read.add(e.getKey());
                final String s = asString(e.getValue().getValueNode(), field(e.getKey()));
                if (s != null) {
                    result.put(e.getKey(), s);
                }
            }
            reportBadKeys();
            return result;
        }

        Set<String> keys() {
            return entries.keySet();
        }

        /** Reports the keys that no reader asked for; the message lists the fields this mapping accepts. */
        void done() {
            for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
                if (!read.contains(e.getKey()) && !ignored.contains(e.getKey())) {
                    problem(e.getValue().getKeyNode(), field(e.getKey()),
                            "unknown field (expected: one of " + String.join(", ", read) + ')');
                }
            }
            reportBadKeys();
        }

        private void reportBadKeys() {
            for (NodeTuple tuple : badKeys) {
                problem(tuple.getKeyNode(), path.isEmpty() ? null : path,
                        "key " + render(tuple.getKeyNode()) + " (expected: a string key)");
            }
            badKeys.clear();
        }
    }

    @Nullable String asString(Node value, String field) {
        return asString(value, field, "a string");
    }

    @Nullable String asString(Node value, String field, String expected) {
        if (value instanceof ScalarNode scalar && Tag.STR.equals(scalar.getTag())) {
            return scalar.getValue();
        }
        if (value instanceof ScalarNode) {
            // 80, true, 1.5 and null are not strings in YAML; Kubernetes rejects them too, and the fix is quoting.
            invalid(value, field, expected, "quote it to make it a string");
        } else {
            invalid(value, field, expected);
        }
        return null;
    }

    @Nullable Long asInteger(Node value, String field, long min, long max) {
        final String range = min == Long.MIN_VALUE && max == Long.MAX_VALUE ? ""
                             : max == Long.MAX_VALUE ? ">= " + min : min + ".." + max;
        if (!(value instanceof ScalarNode scalar) || !Tag.INT.equals(scalar.getTag())) {
            invalid(value, field, range.isEmpty() ? "an integer" : "an integer " + range);
            return null;
        }
        final Long parsed = parseInteger(scalar.getValue());
        if (parsed == null || parsed < min || parsed > max) {
            // Armeria style: the value, then only the range, as in "weight: -1 (expected: 0..1000000)".
            invalid(value, field, range.isEmpty() ? "a 64-bit integer" : range);
            return null;
        }
        return parsed;
    }

    /** Parses a YAML 1.2 core-schema integer: decimal with an optional sign, {@code 0x..} or {@code 0o..}. */
    static @Nullable Long parseInteger(String s) {
        try {
            if (s.startsWith("0x")) {
                return Long.parseLong(s.substring(2), 16);
            }
            if (s.startsWith("0o")) {
                return Long.parseLong(s.substring(2), 8);
            }
            return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}

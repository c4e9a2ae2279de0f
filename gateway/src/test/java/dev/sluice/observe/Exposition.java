package dev.sluice.observe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A parsed Prometheus text exposition, for assertions. */
final class Exposition {

    record Sample(String name, Map<String, String> labels, double value) {}

    final Map<String, String> types = new LinkedHashMap<>();
    final List<Sample> samples = new ArrayList<>();

    static Exposition parse(String text) {
        final Exposition e = new Exposition();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                final String[] p = line.substring(7).split(" ");
                e.types.put(p[0], p[1]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            e.samples.add(sample(line));
        }
        return e;
    }

    private static Sample sample(String line) {
        final int brace = line.indexOf('{');
        final int space = line.lastIndexOf(' ');
        final Map<String, String> labels = new LinkedHashMap<>();
        final String name;
        if (brace < 0 || brace > space) {
            name = line.substring(0, line.indexOf(' '));
        } else {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (line.charAt(i) != '}') {
                final int eq = line.indexOf('=', i);
                final String key = line.substring(i, eq);
                final StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (line.charAt(j) != '"') {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        j++;
                        c = line.charAt(j) == 'n' ? '\n' : line.charAt(j);
                    }
                    v.append(c);
                    j++;
                }
                labels.put(key, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
        }
        final String[] rest = line.substring(line.lastIndexOf('}') > 0 ? line.lastIndexOf('}') + 1 : name.length())
                                  .trim().split(" ");
        return new Sample(name, labels, Double.parseDouble(rest[0]));
    }

    /** Returns the samples named {@code name} whose labels include {@code pairs} (key, value, key, value...). */
    List<Sample> find(String name, String... pairs) {
        final List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean ok = true;
            for (int i = 0; i < pairs.length; i += 2) {
                if (!pairs[i + 1].equals(s.labels().get(pairs[i]))) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                out.add(s);
            }
        }
        return out;
    }

    /** Returns the sum of the matching samples (0 when none). */
    double sum(String name, String... pairs) {
        return find(name, pairs).stream().mapToDouble(Sample::value).sum();
    }

    /** Returns the label names used by samples named {@code name}. */
    Set<String> labelNames(String name) {
        final Set<String> names = new LinkedHashSet<>();
        for (Sample s : samples) {
            if (s.name().equals(name)) {
                names.addAll(s.labels().keySet());
            }
        }
        return names;
    }

    /** Returns the {@code le} bounds of the first series of histogram {@code name} matching {@code pairs}. */
    List<Double> buckets(String name, String... pairs) {
        final List<Double> les = new ArrayList<>();
        Map<String, String> first = null;
        for (Sample s : find(name + "_bucket", pairs)) {
            final Map<String, String> others = new LinkedHashMap<>(s.labels());
            final String le = others.remove("le");
            if (first == null) {
                first = others;
            }
            if (others.equals(first)) {
                les.add("+Inf".equals(le) ? Double.POSITIVE_INFINITY : Double.parseDouble(le));
            }
        }
        return les;
    }
}

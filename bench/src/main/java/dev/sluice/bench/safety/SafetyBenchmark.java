package dev.sluice.bench.safety;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.SafetyTemplateSpec;
import dev.sluice.safety.Direction;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.detect.DefaultSafetyScanner;
import dev.sluice.safety.guard.Guards;
import dev.sluice.safety.screen.SafetyMetrics;
import dev.sluice.safety.screen.Screener;
import dev.sluice.safety.template.SafetyTemplate;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code ./sluice bench safety}: runs a {@code SafetyTemplate} over labelled JSONL files and reports, per file and per
 * category, precision, recall, F1, false-positive rate and screening latency.
 *
 * <p>A row is flagged when the template's verdict is MATCH_FOUND. Per file, every row counts. Per category, the
 * unsafe rows of that category are the positives (flagged: true positive, else false negative) and the file's safe
 * rows are the negatives (flagged: false positive): a category's precision and false-positive rate are those of the
 * whole file's safe rows, because a safe row has no category to be attributed to. Safe rows are also tallied under
 * their own category (usually NONE), which then has only a false-positive rate. Latency is the time to screen one
 * row (detectors, guard if the template has one, and template), on the calling thread, one row at a time.
 */
@Command(name = "sluice bench safety", mixinStandardHelpOptions = true, sortOptions = false,
        version = "Sluice safety benchmark",
        description = "Screens labelled JSONL rows {\"text\", \"label\": \"unsafe\"|\"safe\", \"category\"} with a "
                + "SafetyTemplate and prints precision, recall, F1, false-positive rate and latency p50/p99 per file "
                + "and per category.")
public final class SafetyBenchmark implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Option(names = "--template", required = true, description = "The SafetyTemplate to apply (its metadata.name).")
    String template = "";

    @Option(names = "--data", required = true, paramLabel = "FILE_OR_DIR",
            description = "A JSONL file, or a folder whose *.jsonl files are read in name order.")
    Path data = Path.of(".");

    @Option(names = "--config", paramLabel = "PATH",
            description = "The configuration holding the template (default: examples/safety).")
    @Nullable Path config;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    @Nullable Path json;

    @Option(names = "--rules-only", description = "Use the detectors' rules stage only (no learned stage).")
    boolean rulesOnly;

    @Option(names = "--direction", defaultValue = "auto",
            description = "prompt, response, or auto: files named response*.jsonl are screened as model responses, " +
                          "others as prompts (default: ${DEFAULT-VALUE}).")
    String direction = "auto";

    @Option(names = "--warmup", defaultValue = "200",
            description = "Rows screened before measuring, to warm the JIT (default: ${DEFAULT-VALUE}).")
    int warmup = 200;

    private final @Nullable SafetyScanner scannerOverride;
    private final PrintStream out;

    /** Creates the command with the production detectors, printing to standard output. */
    public SafetyBenchmark() {
        this(null, System.out);
    }

    SafetyBenchmark(@Nullable SafetyScanner scanner, PrintStream out) {
        scannerOverride = scanner;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SafetyBenchmark()).execute(args));
    }

    /** The results of one file: the whole file and each category. */
    record FileResult(String file, Direction direction, Tally all, Map<String, Tally> categories) {}

    @Override
    public Integer call() throws Exception {
        final SafetyTemplate t;
        final List<Path> files;
        final Map<Path, List<LabelledRow>> rows = new LinkedHashMap<>();
        try {
            if (!List.of("auto", "prompt", "response").contains(direction)) {
                throw new IllegalArgumentException("--direction: " + direction +
                                                   " (expected: auto, prompt or response)");
            }
            if (warmup < 0) {
                throw new IllegalArgumentException("--warmup: " + warmup + " (expected: >= 0)");
            }
            t = template(configPath(), template);
            files = files(data);
            for (Path f : files) {
                rows.put(f, read(f));
            }
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("sluice bench safety: " + e.getMessage());
            return 2;
        } catch (ConfigException e) {
            System.err.println("sluice bench safety: invalid configuration:\n" + e.getMessage());
            return 2;
        }
        final SafetyScanner scanner = scannerOverride != null ? scannerOverride
                                      : rulesOnly ? DefaultSafetyScanner.rulesOnly() : DefaultSafetyScanner.load();
        // Scans run on the calling thread (a direct executor), so latency is one row's CPU time plus any guard.
        final SafetyMetrics metrics = new SafetyMetrics();
        final Screener screener = new Screener(scanner, Runnable::run, Guards::create, () -> metrics);
        warm(screener, t, rows);
        final List<FileResult> results = new ArrayList<>();
        for (Map.Entry<Path, List<LabelledRow>> e : rows.entrySet()) {
            results.add(run(screener, t, e.getKey(), e.getValue()));
        }
        print(t, results);
        if (json != null) {
            Files.writeString(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(t, results)),
                              StandardCharsets.UTF_8);
        }
        return 0;
    }

    private Path configPath() {
        if (config != null) {
            return config;
        }
        final String home = System.getProperty("sluice.home", System.getenv().getOrDefault("SLUICE_HOME", "."));
        return Path.of(home).resolve("examples/safety");
    }

    static SafetyTemplate template(Path config, String name) throws ConfigException {
        if (!Files.exists(config)) {
            throw new IllegalArgumentException("config not found: " + config);
        }
        final GatewayConfig c = ConfigLoader.load(config, Set.of("safety", "api-management", "body-based-routing"));
        final Resource<SafetyTemplateSpec> r = c.safetyTemplate(name).orElseThrow(() -> new IllegalArgumentException(
                "--template: " + name + " (expected: a SafetyTemplate in " + config + "; known: " +
                (c.safetyTemplates().isEmpty() ? "none"
                 : String.join(", ", c.safetyTemplates().stream().map(x -> x.metadata().name()).toList())) + ')'));
        return SafetyTemplate.of(name, r.spec());
    }

    static List<Path> files(Path data) throws IOException {
        if (Files.isDirectory(data)) {
            try (var s = Files.list(data)) {
                final List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted()
                                          .toList();
                if (files.isEmpty()) {
                    throw new IllegalArgumentException("--data: no *.jsonl files in " + data);
                }
                return files;
            }
        }
        if (!Files.isRegularFile(data)) {
            throw new IllegalArgumentException("--data: not found: " + data);
        }
        return List.of(data);
    }

    /** Reads a JSONL file; throws with the file and line of the first bad row. */
    static List<LabelledRow> read(Path file) throws IOException {
        final List<LabelledRow> rows = new ArrayList<>();
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            final String at = file + ":" + (i + 1) + ": ";
            final JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JacksonException e) {
                throw new IllegalArgumentException(at + "not JSON (" + e.getOriginalMessage() + ')');
            }
            if (n == null || !n.isObject() || !n.path("text").isString()) {
                throw new IllegalArgumentException(at + "expected an object with a string \"text\"");
            }
            final String label = n.path("label").asString("");
            if (!label.equals("safe") && !label.equals("unsafe")) {
                throw new IllegalArgumentException(at + "label: " + (n.has("label") ? n.get("label") : "missing") +
                                                   " (expected: \"unsafe\" or \"safe\")");
            }
            final String category = n.path("category").isString() ? n.get("category").asString() : "NONE";
            rows.add(new LabelledRow(n.get("text").asString(), label.equals("unsafe"), category, i + 1));
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + ": no rows");
        }
        return rows;
    }

    private Direction direction(Path file) {
        return switch (direction) {
            case "prompt" -> Direction.PROMPT;
            case "response" -> Direction.RESPONSE;
            default -> file.getFileName().toString().startsWith("response") ? Direction.RESPONSE : Direction.PROMPT;
        };
    }

    private void warm(Screener screener, SafetyTemplate t, Map<Path, List<LabelledRow>> rows) throws Exception {
        int done = 0;
        for (Map.Entry<Path, List<LabelledRow>> e : rows.entrySet()) {
            for (LabelledRow r : e.getValue()) {
                if (done++ >= warmup) {
                    return;
                }
                screen(screener, t, r.text(), direction(e.getKey()));
            }
        }
    }

    private FileResult run(Screener screener, SafetyTemplate t, Path file, List<LabelledRow> rows)
            throws Exception {
        final Direction d = direction(file);
        final Tally all = new Tally();
        final Map<String, Tally> categories = new TreeMap<>();
        for (LabelledRow r : rows) {
            final Screener.Screened s = screen(screener, t, r.text(), d);
            all.add(r.unsafe(), s.result().matched(), s.nanos());
            categories.computeIfAbsent(r.category(), k -> new Tally()).add(r.unsafe(), s.result().matched(),
                                                                           s.nanos());
        }
        for (Tally c : categories.values()) {
            if (c.truePositives + c.falseNegatives > 0) {
                c.negativesFrom(all);
            }
        }
        return new FileResult(file.getFileName().toString(), d, all, categories);
    }

    private static Screener.Screened screen(Screener screener, SafetyTemplate t, String text, Direction d)
            throws Exception {
        try {
            return screener.screen(t, text, d).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    /* ------------------------------------------------------------------------------------------ output */

    private void print(SafetyTemplate t, List<FileResult> results) {
        out.printf(Locale.ROOT, "template %s%s%n", t.name(), scannerOverride != null ? ""
                                                             : rulesOnly ? " (rules only)" : "");
        out.printf(Locale.ROOT, "%-28s %-34s %7s %7s %7s %7s %7s %9s %9s%n", "file", "category", "rows",
                   "prec", "recall", "f1", "fpr", "p50 ms", "p99 ms");
        for (FileResult f : results) {
            line(f.file() + " (" + f.direction().name().toLowerCase(Locale.ROOT) + ')', "(all)", f.all());
            f.categories().forEach((c, tally) -> line("", c, tally));
        }
    }

    private void line(String file, String category, Tally t) {
        // A category's own rows: its positives, or (safe-only categories) its negatives.
        final long positives = t.truePositives + t.falseNegatives;
        final long rows = category.equals("(all)") || positives == 0 ? t.rows() : positives;
        out.printf(Locale.ROOT, "%-28s %-34s %7d %7s %7s %7s %7s %9s %9s%n", file, category, rows,
                   fmt(t.precision()), fmt(t.recall()), fmt(t.f1()), fmt(t.falsePositiveRate()),
                   ms(t.latencyMillis(50)), ms(t.latencyMillis(99)));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }

    static ObjectNode toJson(SafetyTemplate t, List<FileResult> results) {
        final ObjectNode root = JSON.createObjectNode();
        root.put("template", t.name());
        final ArrayNode files = root.putArray("files");
        for (FileResult f : results) {
            final ObjectNode fo = files.addObject();
            fo.put("file", f.file());
            fo.put("direction", f.direction().name().toLowerCase(Locale.ROOT));
            tally(fo.putObject("all"), f.all());
            final ObjectNode cats = fo.putObject("categories");
            f.categories().forEach((c, tally) -> tally(cats.putObject(c), tally));
        }
        return root;
    }

    private static void tally(ObjectNode o, Tally t) {
        o.put("truePositives", t.truePositives);
        o.put("falseNegatives", t.falseNegatives);
        o.put("falsePositives", t.falsePositives);
        o.put("trueNegatives", t.trueNegatives);
        number(o, "precision", t.precision());
        number(o, "recall", t.recall());
        number(o, "f1", t.f1());
        number(o, "falsePositiveRate", t.falsePositiveRate());
        number(o, "latencyP50Ms", t.latencyMillis(50));
        number(o, "latencyP99Ms", t.latencyMillis(99));
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) {
            o.putNull(key);
        } else {
            o.put(key, v);
        }
    }
}

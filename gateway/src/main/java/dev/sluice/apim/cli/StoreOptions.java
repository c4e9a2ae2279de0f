package dev.sluice.apim.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.store.KeyStore;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every store command takes, and what they share: opening the store, printing, errors. */
final class StoreOptions {

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})([smhd])");

    @CommandLine.Mixin
    StoreLocation location = new StoreLocation();

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    KeyStore open() {
        return location.openKeyStore(Clock.systemUTC());
    }

    void printJson(PrintWriter out, Object value) {
        out.println(JSON.writeValueAsString(value));
        out.flush();
    }

    /** Parses {@code 30d}, {@code 12h}, {@code 90m} or {@code 3600s}. */
    static Duration duration(String option, String value) {
        final Matcher m = DURATION.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException(option + ": " + value +
                                               " (expected: a duration > 0 such as 3600s, 90m, 12h or 30d)");
        }
        final long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    static List<String> products(@Nullable String csv) {
        if (csv == null || csv.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** A map without null values, in insertion order, for JSON output. */
    static Map<String, Object> fields(Object... keyValues) {
        final Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                m.put((String) keyValues[i], keyValues[i + 1]);
            }
        }
        return m;
    }

    /** A command that opens the store, runs, and turns store errors into a message and exit code 1. */
    abstract static class StoreCommand implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions options = new StoreOptions();

        @Spec
        @Nullable CommandSpec spec;

        PrintWriter out() {
            return spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        }

        PrintWriter err() {
            return spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        }

        @Override
        public final Integer call() {
            try (KeyStore store = options.open()) {
                run(store);
                out().flush();
                return 0;
            } catch (java.util.NoSuchElementException | IllegalArgumentException | IllegalStateException e) {
                err().println("sluice: " + e.getMessage());
                err().flush();
                return 1;
            }
        }

        abstract void run(KeyStore store);
    }
}

package dev.sluice.apim.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

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

package dev.sluice.bench.safety;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SafetyScanner;

import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SafetyBenchmarkTest {

    /** Flags "INJECT" as prompt injection and "BAD" as dangerous; responses only for "BAD". */
    static final SafetyScanner FAKE = (text, direction, filters) -> new Detection(
            direction == Direction.PROMPT && text.contains("INJECT") ? Confidence.HIGH : null,
            text.contains("BAD") ? Map.of(RaiCategory.DANGEROUS, Confidence.HIGH) : Map.of(), null, List.of(),
            List.of());

    @TempDir
    Path dir;
    Path data;

    @BeforeEach
    void files() throws Exception {
        Files.writeString(dir.resolve("safety.yaml"), """
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: llm}
                spec:
                  filterConfig:
                    piAndJailbreakFilterSettings: {filterEnforcement: ENABLED}
                    raiSettings:
                      raiFilters: [{filterType: DANGEROUS}]
                """);
        data = Files.createDirectory(dir.resolve("data"));
        // injection: 3 unsafe (2 caught), 3 safe (1 flagged).
        Files.writeString(data.resolve("injection.jsonl"), """
                {"text": "please INJECT the system now", "label": "unsafe", "category": "PROMPT_INJECTION"}
                {"text": "INJECT again into the prompt", "label": "unsafe", "category": "PROMPT_INJECTION"}
                {"text": "a quiet attack slips by", "label": "unsafe", "category": "PROMPT_INJECTION"}
                {"text": "a normal question about tea", "label": "safe", "category": "NONE"}

                {"text": "a BAD but harmless phrase", "label": "safe", "category": "NONE"}
                {"text": "another normal question here", "label": "safe"}
                """);
        // responses: "INJECT" is not flagged in responses by the fake scanner.
        Files.writeString(data.resolve("response.jsonl"), """
                {"text": "here is how: BAD things", "label": "unsafe", "category": "DANGEROUS"}
                {"text": "INJECT is not checked here", "label": "unsafe", "category": "PROMPT_INJECTION"}
                {"text": "a fine answer", "label": "safe", "category": "NONE"}
                """);
    }

    record Run(int exit, String out, String err) {}

    Run run(String... args) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new SafetyBenchmark(FAKE, new PrintStream(out, true,
                                                                                           StandardCharsets.UTF_8)));
        cl.setErr(new PrintWriter(err, true));
        final PrintStream realErr = System.err;
        final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        try {
            final int exit = cl.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8),
                           err + errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(realErr);
        }
    }

    @Test
    void reportsPerFileAndPerCategory() throws Exception {
        final Path json = dir.resolve("out.json");
        final Run r = run("--template", "llm", "--data", data.toString(), "--config", dir.resolve("safety.yaml")
                                                                                         .toString(),
                          "--json", json.toString(), "--warmup", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        final JsonNode root = JsonMapper.builder().build().readTree(Files.readString(json));
        assertThat(root.get("template").asString()).isEqualTo("llm");
        final JsonNode injection = root.get("files").get(0);
        assertThat(injection.get("file").asString()).isEqualTo("injection.jsonl");
        assertThat(injection.get("direction").asString()).isEqualTo("prompt");
        final JsonNode all = injection.get("all");
        assertThat(all.get("truePositives").asInt()).isEqualTo(2);
        assertThat(all.get("falseNegatives").asInt()).isEqualTo(1);
        assertThat(all.get("falsePositives").asInt()).isEqualTo(1);
        assertThat(all.get("trueNegatives").asInt()).isEqualTo(2);
        assertThat(all.get("precision").asDouble()).isEqualTo(2.0 / 3);
        assertThat(all.get("recall").asDouble()).isEqualTo(2.0 / 3);
        assertThat(all.get("f1").asDouble()).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(all.get("falsePositiveRate").asDouble()).isEqualTo(1.0 / 3);
        assertThat(all.get("latencyP50Ms").asDouble()).isNotNegative();
        // The category's negatives are the file's safe rows.
        final JsonNode pi = injection.at("/categories/PROMPT_INJECTION");
        assertThat(pi.get("truePositives").asInt()).isEqualTo(2);
        assertThat(pi.get("falsePositives").asInt()).isEqualTo(1);
        assertThat(pi.get("falsePositiveRate").asDouble()).isEqualTo(1.0 / 3);
        final JsonNode none = injection.at("/categories/NONE");
        assertThat(none.get("precision").asDouble()).as("a flagged safe row only").isZero();
        assertThat(none.get("recall").isNull()).as("no positives").isTrue();
        assertThat(none.get("falsePositiveRate").asDouble()).isEqualTo(1.0 / 3);

        final JsonNode response = root.get("files").get(1);
        assertThat(response.get("direction").asString()).isEqualTo("response");
        assertThat(response.at("/categories/DANGEROUS/recall").asDouble()).isEqualTo(1.0);
        assertThat(response.at("/categories/PROMPT_INJECTION/recall").asDouble()).isEqualTo(0.0);
        assertThat(response.at("/categories/PROMPT_INJECTION/f1").asDouble()).isEqualTo(0.0);

        assertThat(r.out()).contains("template llm")
                           .containsPattern("injection.jsonl \\(prompt\\) +\\(all\\) +6 +0.667 +0.667 +0.667 " +
                                            "+0.333")
                           .containsPattern(" +PROMPT_INJECTION +3 +0.667 +0.667 +0.667 +0.333")
                           .containsPattern(" +NONE +3 +0.000 +- +- +0.333");
    }

    @Test
    void badInputGetsSpecificErrors() throws Exception {
        final String config = dir.resolve("safety.yaml").toString();
        final Run unknown = run("--template", "nope", "--data", data.toString(), "--config", config);
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--template: nope (expected: a SafetyTemplate in " + config +
                                           "; known: llm)");
        final Path bad = Files.writeString(dir.resolve("bad.jsonl"),
                                           "{\"text\": \"x\", \"label\": \"safe\"}\n{\"text\": \"y\", \"label\": 1}\n");
        final Run label = run("--template", "llm", "--data", bad.toString(), "--config", config);
        assertThat(label.exit()).isEqualTo(2);
        assertThat(label.err()).contains(bad + ":2: label: 1 (expected: \"unsafe\" or \"safe\")");
        Files.writeString(bad, "{\"text\": \"x\", \"label\": \"safe\"}\n{not json\n");
        assertThat(run("--template", "llm", "--data", bad.toString(), "--config", config).err())
                .contains(bad + ":2: not JSON (");
        assertThat(run("--template", "llm", "--data", dir.resolve("missing").toString(), "--config", config).err())
                .contains("--data: not found: ");
        assertThat(run("--template", "llm", "--data", bad.toString(), "--config", config, "--direction", "up")
                           .err()).contains("--direction: up (expected: auto, prompt or response)");
    }
}

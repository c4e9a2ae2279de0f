package dev.sluice.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import com.linecorp.armeria.common.HttpData;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.config.SafetySettings;
import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionEvent;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.OpenAiRequestParser;
import dev.sluice.safety.Detection;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.detect.DefaultSafetyScanner;
import dev.sluice.safety.screen.Safety;

/**
 * What the {@code safety} extension costs per streamed chat chunk: one 256-chunk stream (one word per chunk, as vLLM
 * streams tokens) through the extension's ResponseBody handling with the seed's template, chunk by chunk, waiting for
 * each result as the relay does. {@code scanner=none} finds nothing (the hold-back, re-emission and executor
 * hand-off alone); {@code scanner=rules} is the production scanner's rules stage. Divide by 257 calls for the cost
 * per chunk.
 *
 * {@snippet :
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/classes:$(cat bench/target/classpath.txt) org.openjdk.jmh.Main StreamScreeningBenchmark
 * }
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StreamScreeningBenchmark {

    static final String TEMPLATE = """
            apiVersion: sluice.dev/v1alpha1
            kind: SafetyTemplate
            metadata: {name: llm}
            spec:
              filterConfig:
                piAndJailbreakFilterSettings: {filterEnforcement: ENABLED, confidenceLevel: MEDIUM_AND_ABOVE}
                raiSettings:
                  raiFilters:
                  - {filterType: HATE_SPEECH, confidenceLevel: MEDIUM_AND_ABOVE}
                  - {filterType: DANGEROUS, confidenceLevel: MEDIUM_AND_ABOVE}
                  - {filterType: HARASSMENT, confidenceLevel: MEDIUM_AND_ABOVE}
                  - {filterType: SEXUALLY_EXPLICIT, confidenceLevel: MEDIUM_AND_ABOVE}
            """;
    static final String[] WORDS = { "the", "gateway", "routes", "every", "request", "to", "a", "pool", "of",
                                    "model", "servers", "and", "streams", "tokens", "back", "quickly." };

    @Param({ "none", "rules" })
    String scanner;

    @Param({ "32" })
    int holdbackTokens;

    Safety safety;
    Extension extension;
    byte[] request;
    byte[][] chunks;

    @Setup
    public void setup() throws Exception {
        final Path dir = Files.createTempDirectory("sluice-stream-bench");
        final Path file = Files.writeString(dir.resolve("t.yaml"), TEMPLATE);
        final GatewayConfig config = ConfigLoader.load(file, java.util.Set.of("safety"));
        final SafetyScanner s = scanner.equals("none") ? (text, direction, filters) -> Detection.NONE
                                                       : DefaultSafetyScanner.rulesOnly();
        safety = Safety.create(() -> s).templatesFromConfig(() -> config);
        extension = safety.factory().create(new ExtensionSpec(
                "screen", Safety.SERVICE, List.of("RequestBody", "ResponseBody"), Duration.ofSeconds(1), false,
                Map.of(SafetySettings.SETTINGS_KEY,
                       "[{\"model\": \"default\", \"model_response_template_id\": \"llm\"}]",
                       SafetySettings.HOLDBACK_KEY, String.valueOf(holdbackTokens))));
        request = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        chunks = new byte[256][];
        for (int i = 0; i < chunks.length; i++) {
            final String word = (i == 0 ? "" : " ") + WORDS[i % WORDS.length];
            chunks[i] = ("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1," +
                         "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + word + "\"}," +
                         "\"logprobs\":null,\"finish_reason\":null}]}\n\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    @TearDown
    public void tearDown() {
        safety.close();
    }

    /** One whole stream: 256 chunks and the end, each call awaited before the next. */
    @Benchmark
    public long stream() throws Exception {
        final ExtensionCall call = new ExtensionCall("bench");
        call.request(OpenAiRequestParser.parse(request));
        long bytes = 0;
        for (byte[] chunk : chunks) {
            bytes += released(extension.handle(call, new ExtensionMessage.Body(
                    ExtensionEvent.RESPONSE_BODY, HttpData.wrap(chunk), false)).get());
        }
        return bytes + released(extension.handle(call, new ExtensionMessage.Body(
                ExtensionEvent.RESPONSE_BODY, HttpData.empty(), true)).get());
    }

    private static long released(ExtensionResult r) {
        return r instanceof ExtensionResult.Continue c && c.body() != null ? c.body().length() : 0;
    }
}

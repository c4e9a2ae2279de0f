package dev.sluice.bench.safety;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
import dev.sluice.openai.SseFrameSplitter;
import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.detect.DefaultSafetyScanner;
import dev.sluice.safety.screen.Safety;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Measures the delay the {@code safety} extension adds to a streamed chat response with the production detectors
 * ({@link DefaultSafetyScanner#load()}): ordinary assistant text is cut into tokens (words, long words in pieces of
 * four characters), sent as OpenAI chat chunks of 1 to {@code --max-tokens-per-chunk} tokens (default 3; 1 is what
 * vLLM sends by default) at a fixed inter-token latency, and passed through the
 * extension chunk by chunk in real time, each call awaited before the next as the relay does. For every chunk the
 * delay is the time its last character reached the client minus the time the model sent it. Prints p50, p99 and max
 * against the hold-back window in time (window tokens × inter-token latency), the gaps between releases as the client
 * sees them, and the scans run per stream.
 *
 * <p>The template is the seed's {@code llm} filters with INSPECT_ONLY enforcement: streams are screened exactly as
 * with INSPECT_AND_BLOCK but never cut, so a detector false positive on the ordinary text does not end the
 * measurement early; scans that found something at MEDIUM or above are counted and printed instead.
 *
 * {@snippet :
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -cp bench/target/classes:$(cat bench/target/classpath.txt) dev.sluice.bench.safety.StreamScreeningLatency \
 *     [--itl-ms 30] [--window-tokens 32] [--streams 4] [--tokens 600] [--max-tokens-per-chunk 3]
 *     [--scanner default|rules]
 * }
 */
public final class StreamScreeningLatency {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    static final String TEXT = """
            Thanks for the question. Setting up a reverse proxy in front of a small web application is a good way to \
            keep the application simple while the proxy handles the parts that every service needs. The proxy \
            terminates TLS, so the certificates live in one place and are renewed by one job. It can compress \
            responses, add caching headers, and limit how many requests a single client may send in a minute. It \
            also gives you one place to write access logs in a consistent format, which makes debugging much easier \
            when something goes wrong late at night.

            Here is how I would approach it, step by step. First, decide where the proxy runs. For a single server, \
            running it on the same machine as the application is fine: the application listens on a local port, for \
            example 8080, and only the proxy listens on the public ports 80 and 443. Second, write the smallest \
            configuration that works: one server block, one upstream pointing at the local port, and a redirect from \
            plain HTTP to HTTPS. A quick look in a browser is enough at this point.

            After that, the features you need can come one by one, each checked before the next. Compression is \
            usually worth it for text responses such as HTML, JSON and CSS, but not for images, which are already \
            compressed. Caching static files for a day or a week saves bandwidth, but make sure that file names \
            change when their contents change, otherwise visitors will keep seeing old versions. Rate limiting \
            protects the application from accidental loops in client code as much as from abuse, so pick limits \
            that are generous for normal use.

            A few common mistakes are worth avoiding. Do not forget to pass the original client address to the \
            application in a header, or every request will appear to come from the proxy itself. Keep timeouts \
            reasonable: long enough for slow uploads and reports, short enough that stuck connections are released. \
            Finally, watch the error log for the first days after the change, because configuration problems often \
            show up only with real traffic and real browsers.

            If you tell me which application framework and which operating system you use, I can suggest a concrete \
            configuration file and the commands to test it. I can also explain how to monitor the proxy, how to \
            rotate its logs, and how to roll back quickly if an update causes problems in production.
            """;

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
                maliciousUriFilterSettings: {filterEnforcement: ENABLED}
                sdpSettings: {basicConfig: {filterEnforcement: ENABLED}}
              templateMetadata: {enforcementType: INSPECT_ONLY}
            """;

    private StreamScreeningLatency() {}

    /** Splits text into rough BPE-like tokens: a word with its leading space, long words in pieces of four. */
    static List<String> tokens(String text, int max) {
        final List<String> out = new ArrayList<>();
        final String flat = text.replaceAll("\\s+", " ").strip();
        for (String word : flat.split(" ")) {
            String w = out.isEmpty() ? word : " " + word;
            while (w.length() > 6) {
                out.add(w.substring(0, 4));
                w = w.substring(4);
            }
            out.add(w);
        }
        final List<String> repeated = new ArrayList<>();
        while (repeated.size() < max) {
            repeated.addAll(out.subList(0, Math.min(out.size(), max - repeated.size())));
        }
        return repeated;
    }

    public static void main(String[] args) throws Exception {
        int itlMs = 30;
        int windowTokens = SafetySettings.DEFAULT_HOLDBACK_TOKENS;
        int streams = 4;
        int tokenCount = 600;
        int maxTokensPerChunk = 3;
        String which = "default";
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + args[i] + " needs a value");
            }
            switch (args[i]) {
                case "--itl-ms" -> itlMs = Integer.parseInt(args[i + 1]);
                case "--window-tokens" -> windowTokens = Integer.parseInt(args[i + 1]);
                case "--streams" -> streams = Integer.parseInt(args[i + 1]);
                case "--tokens" -> tokenCount = Integer.parseInt(args[i + 1]);
                case "--max-tokens-per-chunk" -> maxTokensPerChunk = Integer.parseInt(args[i + 1]);
                case "--scanner" -> which = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (expected --itl-ms,"
                        + " --window-tokens, --streams, --tokens, --max-tokens-per-chunk, --scanner)");
            }
        }
        if (maxTokensPerChunk < 1) {
            throw new IllegalArgumentException("--max-tokens-per-chunk must be at least 1, got " + maxTokensPerChunk);
        }
        final SafetyScanner base = switch (which) {
            case "default" -> DefaultSafetyScanner.load();
            case "rules" -> DefaultSafetyScanner.rulesOnly();
            default -> throw new IllegalArgumentException("--scanner must be default or rules, not " + which);
        };
        final AtomicLong scans = new AtomicLong();
        final AtomicLong scanNanos = new AtomicLong();
        final AtomicLong flagged = new AtomicLong();
        final SafetyScanner counted = (text, direction, filters) -> {
            final long t0 = System.nanoTime();
            try {
                final Detection d = base.scan(text, direction, filters);
                if (d.piAndJailbreak() != null && d.piAndJailbreak().atLeast(Confidence.MEDIUM)
                    || d.rai().values().stream().anyMatch(c -> c.atLeast(Confidence.MEDIUM))) {
                    flagged.incrementAndGet();
                }
                return d;
            } finally {
                scanNanos.addAndGet(System.nanoTime() - t0);
                scans.incrementAndGet();
            }
        };
        final Path dir = Files.createTempDirectory("sluice-stream-latency");
        final Path file = Files.writeString(dir.resolve("t.yaml"), TEMPLATE);
        final GatewayConfig config = ConfigLoader.load(file, Set.of("safety"));
        final Safety safety = Safety.create(() -> counted).templatesFromConfig(() -> config);
        final Extension extension = safety.factory().create(new ExtensionSpec(
                "screen", Safety.SERVICE, List.of("RequestBody", "ResponseBody"), Duration.ofSeconds(5), false,
                Map.of(SafetySettings.SETTINGS_KEY,
                       "[{\"model\": \"default\", \"model_response_template_id\": \"llm\"}]",
                       SafetySettings.HOLDBACK_KEY, String.valueOf(windowTokens))));
        final byte[] request = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        final List<String> toks = tokens(TEXT, tokenCount);
        // Warm the detectors (and the JIT) on the same text, outside the measurement.
        for (int i = 0; i < 20; i++) {
            counted.scan(String.join("", toks.subList(i * 10, i * 10 + 60)), dev.sluice.safety.Direction.RESPONSE,
                         Set.copyOf(Arrays.asList(dev.sluice.safety.FilterKind.values())));
        }
        scans.set(0);
        scanNanos.set(0);
        flagged.set(0);
        final List<Long> delays = new ArrayList<>();
        final List<Long> gaps = new ArrayList<>();
        long chunksTotal = 0;
        final Random random = new Random(42);
        final long itlNanos = itlMs * 1_000_000L;
        for (int s = 0; s < streams; s++) {
            final List<String> chunkTexts = new ArrayList<>();
            final List<Long> tokenIndex = new ArrayList<>();
            int t = 0;
            while (t < toks.size()) {
                final int n = Math.min(1 + random.nextInt(maxTokensPerChunk), toks.size() - t);
                chunkTexts.add(String.join("", toks.subList(t, t + n)));
                t += n;
                tokenIndex.add((long) t);
            }
            final ExtensionCall call = new ExtensionCall("bench-" + s);
            call.request(OpenAiRequestParser.parse(request));
            final long[] sent = new long[chunkTexts.size()];
            final long[] endChar = new long[chunkTexts.size()];
            long cum = 0;
            for (int i = 0; i < chunkTexts.size(); i++) {
                cum += chunkTexts.get(i).length();
                endChar[i] = cum;
            }
            long released = 0;
            int next = 0;
            long lastRelease = 0;
            final long start = System.nanoTime() + 50_000_000L;
            for (int i = 0; i <= chunkTexts.size(); i++) {
                final boolean end = i == chunkTexts.size();
                // The model emits a chunk each time its tokens are done: one inter-token latency per token.
                final long due = end ? start + tokenIndex.get(i - 1) * itlNanos
                                     : start + tokenIndex.get(i) * itlNanos;
                while (System.nanoTime() < due) {
                    LockSupport.parkNanos(due - System.nanoTime());
                }
                if (!end) {
                    sent[i] = due;
                }
                final byte[] body = end ? new byte[0] : event(chunkTexts.get(i));
                final ExtensionResult r = extension.handle(call, new ExtensionMessage.Body(
                        ExtensionEvent.RESPONSE_BODY, HttpData.wrap(body), end)).get();
                final long now = System.nanoTime();
                if (!(r instanceof ExtensionResult.Continue c)) {
                    throw new IllegalStateException("the clean stream was cut: " + r);
                }
                final long before = released;
                released += c.body() == null ? body.length == 0 ? 0 : chunkTexts.get(i).length()
                                             : releasedChars(c.body().array());
                while (next < chunkTexts.size() && endChar[next] <= released) {
                    delays.add(now - sent[next]);
                    next++;
                }
                if (released > before && !end) {
                    if (lastRelease != 0) {
                        gaps.add(now - lastRelease);
                    }
                    lastRelease = now;
                }
            }
            if (next != chunkTexts.size()) {
                throw new IllegalStateException("only " + next + " of " + chunkTexts.size() + " chunks released");
            }
            chunksTotal += chunkTexts.size();
        }
        safety.close();
        final long[] sorted = delays.stream().mapToLong(Long::longValue).sorted().toArray();
        final double windowMs = windowTokens * (double) itlMs;
        System.out.printf("scanner=%s itl=%d ms window=%d tokens (%.0f ms) streams=%d tokens/stream=%d " +
                          "chunks=%d%n", which, itlMs, windowTokens, windowMs, streams, toks.size(), chunksTotal);
        System.out.printf("added delay per chunk: p50 %.0f ms, p99 %.0f ms, max %.0f ms (p99/window %.2f)%n",
                          ms(pct(sorted, 0.50)), ms(pct(sorted, 0.99)), ms(sorted[sorted.length - 1]),
                          ms(pct(sorted, 0.99)) / windowMs);
        final long[] gapsSorted = gaps.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf("gap between releases at the client (upstream: %d ms per token): p50 %.0f ms, " +
                          "p99 %.0f ms, max %.0f ms%n", itlMs, ms(pct(gapsSorted, 0.50)), ms(pct(gapsSorted, 0.99)),
                          ms(gapsSorted[gapsSorted.length - 1]));
        System.out.printf("scans: %.1f per stream, %.2f ms each on average, %.0f ms of scanning per stream%n",
                          scans.get() / (double) streams, scanNanos.get() / 1e6 / Math.max(1, scans.get()),
                          scanNanos.get() / 1e6 / streams);
        System.out.printf("scans with a prompt-injection or RAI finding at MEDIUM or above (false positives on this " +
                          "ordinary text): %d of %d%n", flagged.get(), scans.get());
    }

    private static byte[] event(String text) {
        final String json = JSON.writeValueAsString(Map.of(
                "id", "chatcmpl-1", "object", "chat.completion.chunk", "created", 1, "model", "m",
                "choices", List.of(Map.of("index", 0, "delta", Map.of("content", text)))));
        return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static long releasedChars(byte[] bytes) {
        final SseFrameSplitter splitter = new SseFrameSplitter();
        final List<byte[]> events = new ArrayList<>(splitter.feed(bytes));
        long n = 0;
        for (byte[] e : events) {
            final String data = SseFrameSplitter.data(e);
            if (data == null || data.startsWith("[DONE]")) {
                continue;
            }
            final JsonNode content = JSON.readTree(data).path("choices").path(0).path("delta").path("content");
            if (content.isString()) {
                n += content.asString().length();
            }
        }
        return n;
    }

    private static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}

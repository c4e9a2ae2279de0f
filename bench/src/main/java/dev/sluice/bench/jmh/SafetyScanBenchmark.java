package dev.sluice.bench.jmh;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.detect.DefaultSafetyScanner;
import dev.sluice.safety.learned.HashedFeatures;
import dev.sluice.safety.learned.MiniLmEmbedder;
import dev.sluice.safety.learned.StaticEmbedder;

/**
 * Measures one safety scan of a 2 KB prompt on one thread, every filter family asked for: {@code rulesOnly} (the
 * rules stage: validators, patterns, lexicons, URL heuristics) and {@code full} (rules plus the learned stage as the
 * gateway runs it: static MiniLM windows and hashed words into every head). Beside them, the learned stage's inputs
 * alone: {@code staticWindows} (the distilled table's window embeddings), {@code hashedWords}, and the baseline the
 * table replaces, {@code minilmWindows} (MiniLM itself on the first two 128-token windows and the last). The goals are
 * p99 at most 0.2 ms for the rules and 5 ms with the learned stage. Run with
 * {@code java -cp ... org.openjdk.jmh.Main SafetyScanBenchmark -f 1 -wi 2 -i 3}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Threads(1)
public class SafetyScanBenchmark {

    /** A 2,048-character prompt: instructions, a pasted document with numbers, an e-mail, two URLs, code. */
    static final String PROMPT_2KB = buildPrompt();

    private static final Set<FilterKind> ALL = EnumSet.allOf(FilterKind.class);

    private DefaultSafetyScanner rules;
    private DefaultSafetyScanner full;
    private StaticEmbedder staticTable;
    private MiniLmEmbedder minilm;

    static String buildPrompt() {
        String base = "You are helping our support team. Summarise the customer's message below in three bullet "
                + "points, then draft a polite reply that explains the refund policy and the next steps.\n\n"
                + "Customer message (ticket 4471-2290, received 2026-03-14 09:12 UTC):\n"
                + "Hello, I ordered the blue kettle (order 100234987, invoice INV-2026-0042) on March 2nd and it "
                + "arrived with a cracked lid. I have attached photos at https://files.example.com/t/4471/photos and "
                + "the courier's note says the parcel was dropped. I paid 49.90 EUR and would like either a "
                + "replacement or a refund, whichever is quicker. You can reach me at +44 20 7946 0958 or reply to "
                + "this e-mail. The tracking page https://track.example.net/p?id=JD014600006251 shows delivered. "
                + "I have been a customer for six years and never had a problem before, so I hope this can be "
                + "sorted out quickly. Thanks, Maria\n\n"
                + "Internal notes: the warehouse in Leeds confirmed two other cracked lids from the same batch "
                + "(lot 7731). Policy: refunds within 30 days of delivery, replacements ship in 3 to 5 working days.\n"
                + "```python\ndef refund(order_id, amount):\n    return api.post('/refunds', json={'order': order_id, "
                + "'amount': amount})\n```\n";
        StringBuilder sb = new StringBuilder(base);
        while (sb.length() < 2048) {
            sb.append("Please keep the reply under 150 words and do not promise a delivery date we cannot keep. ");
        }
        return sb.substring(0, 2048);
    }

    @Setup
    public void setUp() {
        rules = DefaultSafetyScanner.rulesOnly();
        full = DefaultSafetyScanner.load();
        staticTable = StaticEmbedder.load(128);
        minilm = MiniLmEmbedder.load(128, 1);
    }

    @TearDown
    public void tearDown() {
        staticTable.close();
        minilm.close();
    }

    @Benchmark
    public Detection rulesOnly() {
        return rules.scan(PROMPT_2KB, Direction.PROMPT, ALL);
    }

    @Benchmark
    public Detection full() {
        return full.scan(PROMPT_2KB, Direction.PROMPT, ALL);
    }

    @Benchmark
    public List<float[]> staticWindows() {
        return staticTable.embedWindows(PROMPT_2KB, 16);
    }

    /** The baseline: MiniLM on the windows a 2 KB budget allowed it (three of 128 word pieces). */
    @Benchmark
    public List<float[]> minilmWindows() {
        return minilm.embedWindows(PROMPT_2KB, 3);
    }

    @Benchmark
    public HashedFeatures hashedWords() {
        return HashedFeatures.of(PROMPT_2KB);
    }
}

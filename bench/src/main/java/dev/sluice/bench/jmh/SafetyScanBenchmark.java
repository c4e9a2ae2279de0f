package dev.sluice.bench.jmh;

import java.util.EnumSet;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.detect.DefaultSafetyScanner;
import dev.sluice.safety.learned.HashedFeatures;

/**
 * Measures one safety scan of a 2 KB prompt on one thread, every filter family asked for: {@code rulesOnly} (the
 * rules stage: validators, patterns, lexicons, URL heuristics), {@code full} (rules plus the learned stage behind the cascade:
 * this benign prompt is decided by the words-only heads), {@code fullEveryText} (the MiniLM window embeddings and the
 * full heads computed regardless, the cost for a text in the uncertain band), {@code fast} (rules plus the words-only heads of {@code loadFast()}) and
 * {@code hashedWords} (the lexical half of the heads' input alone). The goals
 * are p99 at most 0.2 ms for the rules and 5 ms with the learned stage. Run with
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
    private DefaultSafetyScanner fast;
    private DefaultSafetyScanner fullEveryText;

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
        fast = DefaultSafetyScanner.loadFast();
        fullEveryText = DefaultSafetyScanner.loadWithoutCascade();
    }

    @Benchmark
    public Detection rulesOnly() {
        return rules.scan(PROMPT_2KB, Direction.PROMPT, ALL);
    }

    @Benchmark
    public Detection full() {
        return full.scan(PROMPT_2KB, Direction.PROMPT, ALL);
    }

    /** The learned stage without the cascade: what {@code full} costs for a text in the words heads' uncertain band. */
    @Benchmark
    public Detection fullEveryText() {
        return fullEveryText.scan(PROMPT_2KB, Direction.PROMPT, ALL);
    }

    @Benchmark
    public Detection fast() {
        return fast.scan(PROMPT_2KB, Direction.PROMPT, ALL);
    }

    @Benchmark
    public HashedFeatures hashedWords() {
        return HashedFeatures.of(PROMPT_2KB);
    }
}

package dev.sluice.bench.picker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.picker.PickRequest;
import dev.sluice.picker.metrics.EndpointLoad;
import dev.sluice.picker.metrics.EndpointMetricsSnapshot;
import dev.sluice.picker.metrics.MetricsState;
import dev.sluice.picker.metrics.ModelServerMetrics;
import dev.sluice.picker.scheduler.BlockHasher;
import dev.sluice.picker.scheduler.JtokkitTokenizer;
import dev.sluice.picker.scheduler.PrefixIndex;
import dev.sluice.picker.scheduler.Schedule;
import dev.sluice.picker.scheduler.Scheduler;
import dev.sluice.picker.scheduler.SchedulerProfile;
import dev.sluice.picker.scheduler.SchedulerProfiles;

/**
 * Measures one scheduling decision: 64 endpoints, a 6,000-token prompt (24,000 characters: a 20,000-character
 * system prompt shared by its group, then a 4,000-character question), and a prefix index already holding 150 such
 * groups, each on one to three endpoints (the llm-d "b2b-saas" shape). The goal is p50 at most 20 µs and p99 at most
 * 200 µs.
 *
 * <p>{@code schedule} is the decision alone (loads, hashing, matching, scoring, ordering), what a request waits for
 * when the index records on a writer executor; {@code pickAndRecord} adds recording the prompt for the chosen
 * endpoint on the same thread (an index without a writer), the work that executor does per request. Loads come from a map, so the cost of
 * {@code EndpointMetricsStore.load} is not included. Run with
 * {@code java -cp ... org.openjdk.jmh.Main PickerBenchmark -f 1 -wi 2 -i 3}; the {@code hasher} parameter
 * {@code cl100k} measures token blocks (JTokkit) instead of 64-character blocks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PickerBenchmark {

    private static final int ENDPOINTS = 64;
    private static final int GROUPS = 150;
    private static final int SYSTEM_CHARS = 20_000;
    private static final int QUESTION_CHARS = 4_000;
    private static final String[] WORDS = {
            "the", "customer", "account", "policy", "invoice", "shipping", "refund", "support", "agent", "order",
            "product", "warranty", "return", "billing", "address", "update", "status", "request", "ticket", "model",
            "please", "answer", "briefly", "using", "context", "below", "document", "section", "clause", "terms" };

    @Param({ "sluice-default", "gie-default", "least-queue" })
    public String profile;

    @Param({ "chars" })
    public String hasher;

    private Scheduler scheduler;
    private List<Endpoint> endpoints;
    private PickRequest[] requests;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final SplittableRandom random = new SplittableRandom(42);
        final EndpointDirectory directory = new EndpointDirectory();
        endpoints = new ArrayList<>();
        final Map<String, EndpointLoad> loads = new HashMap<>();
        for (int i = 0; i < ENDPOINTS; i++) {
            final Endpoint e = directory.get("10.0." + i / 250 + '.' + i % 250, 8000);
            endpoints.add(e);
            final ModelServerMetrics m = new ModelServerMetrics(random.nextInt(6), 8 + random.nextInt(24),
                                                                random.nextDouble(0.2, 0.9), List.of(), List.of(),
                                                                0, 19_208, 16);
            loads.put(e.authority(), new EndpointLoad(
                    new EndpointMetricsSnapshot(e.authority(), "vllm", MetricsState.FRESH, m, 10_000_000, 0, null),
                    random.nextInt(8), 0, random.nextInt(50_000), random.nextInt(3), random.nextInt(3), 0));
        }
        final SchedulerProfile p = switch (hasher) {
            case "chars" -> SchedulerProfiles.byName(profile);
            case "cl100k" -> profile.equals(SchedulerProfiles.SLUICE_DEFAULT)
                             ? SchedulerProfiles.sluiceDefault(BlockHasher.tokens(JtokkitTokenizer.of("cl100k_base"),
                                                                                   16, 1024))
                             : SchedulerProfiles.byName(profile);
            default -> throw new IllegalArgumentException("hasher: " + hasher + " (expected: chars or cl100k)");
        };
        scheduler = new Scheduler(p, loads::get, new PrefixIndex(), ThreadLocalRandom.current());

        final String[] systems = new String[GROUPS];
        for (int g = 0; g < GROUPS; g++) {
            systems[g] = text(random, SYSTEM_CHARS);
        }
        // Warm the index: every group's prompts went to one to three endpoints.
        for (int g = 0; g < GROUPS; g++) {
            final int copies = 1 + random.nextInt(3);
            for (int c = 0; c < copies; c++) {
                final PickRequest r = new PickRequest("pool", "qwen3-32b", 0,
                                                      systems[g] + text(random, QUESTION_CHARS));
                final Schedule s = scheduler.schedule(r, endpoints);
                s.sentTo(endpoints.get(random.nextInt(ENDPOINTS)));
            }
        }
        requests = new PickRequest[256];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new PickRequest("pool", "qwen3-32b", 0,
                                          systems[random.nextInt(GROUPS)] + text(random, QUESTION_CHARS));
        }
    }

    private static String text(SplittableRandom random, int chars) {
        final StringBuilder b = new StringBuilder(chars + 16);
        while (b.length() < chars) {
            b.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        b.setLength(chars);
        return b.toString();
    }

    private PickRequest nextRequest() {
        final PickRequest r = requests[next];
        next = (next + 1) & (requests.length - 1);
        return r;
    }

    @Benchmark
    public Schedule schedule() {
        return scheduler.schedule(nextRequest(), endpoints);
    }

    @Benchmark
    public List<Endpoint> pickAndRecord() {
        return scheduler.pick(nextRequest(), endpoints);
    }
}

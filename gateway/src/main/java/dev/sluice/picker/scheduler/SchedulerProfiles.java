package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The named scheduler profiles a pool can choose: {@value #SLUICE_DEFAULT} (the default), {@value #GIE_DEFAULT} (the
 * Gateway API Inference Extension's default, for comparison), and the baselines {@value #LEAST_QUEUE},
 * {@value #ROUND_ROBIN} and {@value #RANDOM}.
 *
 * <h2>{@value #GIE_DEFAULT}</h2>
 * GIE v1.2+'s default profile: {@code prefix-cache-scorer} 3, {@code queue-scorer} 2,
 * {@code kv-cache-utilization-scorer} 2 on the last scraped values, 64-character blocks (at most 256), max-score
 * picker, no filters. Stale endpoints read as saturated, as everywhere in Sluice.
 *
 * <h2>{@value #SLUICE_DEFAULT}</h2>
 * Prefix affinity held against relative load, fed by load estimates that include this gateway's own requests since
 * the last scrape:
 * <ul>
 *   <li>{@link PrefixCacheScorer} 3: the predicted share of the prompt an endpoint caches;</li>
 *   <li>{@link QueueScorer} 1.5 and {@link KvCacheScorer} 3 on estimated values. A fully matched prefix therefore
 *       stays put however the queues differ (the queue score is relative: one request more than the others already
 *       costs all 1.5) and spills over once its endpoint is also more than half a KV cache fuller than another,
 *       which is what a hot prefix does to it; under a uniform overload the caches fill alike and nothing spills,
 *       so prefixes are not duplicated when memory is scarcest;</li>
 *   <li>{@link LoraAffinityScorer} 1 (neutral for base-model requests);</li>
 *   <li>64-character blocks as GIE, but up to 1,024 of them (16K tokens), so long shared prompts are told apart
 *       deeper; prefixes are recorded tail first so the index evicts chain ends first (see {@link PrefixIndex}).</li>
 * </ul>
 * Chosen with the routing benchmark ({@code ./sluice bench routing}, bench/README.md): the earlier default
 * ({@link LoadAwarePrefixScorer} 3 fading at {@value #STICKY_QUEUE_LIMIT} waiting, queue 2, KV 1, in-flight 1)
 * spilled prefixes on a one-request queue difference (5 points below the oracle's hit rate at round-robin's knee) and
 * collapsed past 16 req/s on the shared-prefix workload (TTFT p90 190 s at 20 req/s, against 0.08 s now), where its
 * fading affinity turned into cache thrash.
 *
 * <h2>Baselines</h2>
 * {@value #LEAST_QUEUE}: {@link QueueScorer} on estimated queues alone ("load only"); {@value #ROUND_ROBIN} and
 * {@value #RANDOM}: score nothing.
 */
public final class SchedulerProfiles {

    /** Sluice's default profile. */
    public static final String SLUICE_DEFAULT = "sluice-default";

    /** GIE's default profile. */
    public static final String GIE_DEFAULT = "gie-default";

    /** Shortest estimated queue first. */
    public static final String LEAST_QUEUE = "least-queue";

    /** Endpoints in turn. */
    public static final String ROUND_ROBIN = "round-robin";

    /** Endpoints at random. */
    public static final String RANDOM = "random";

    /** The waiting requests at which the earlier {@value #SLUICE_DEFAULT}'s load-aware prefix affinity was gone. */
    public static final double STICKY_QUEUE_LIMIT = 8;

    /** The most 64-character blocks {@value #SLUICE_DEFAULT} hashes from one prompt. */
    public static final int SLUICE_MAX_BLOCKS = 1024;

    private static final List<String> NAMES = List.of(SLUICE_DEFAULT, GIE_DEFAULT, LEAST_QUEUE, ROUND_ROBIN, RANDOM);

    private SchedulerProfiles() {}

    /** Returns the names {@link #byName(String)} knows, the default first. */
    public static List<String> names() {
        return NAMES;
    }

    /**
     * Returns a new profile named {@code name}.
     *
     * @throws IllegalArgumentException if no profile has that name
     */
    public static SchedulerProfile byName(String name) {
        requireNonNull(name, "name");
        return switch (name) {
            case SLUICE_DEFAULT -> sluiceDefault();
            case GIE_DEFAULT -> gieDefault();
            case LEAST_QUEUE -> SchedulerProfile.builder(LEAST_QUEUE).scorer(new QueueScorer(true), 1).build();
            case ROUND_ROBIN -> SchedulerProfile.builder(ROUND_ROBIN).picker(new RoundRobinPicker()).build();
            case RANDOM -> SchedulerProfile.builder(RANDOM).picker(new RandomPicker()).build();
            default -> throw new IllegalArgumentException("scheduler profile: " + name + " (expected: one of " +
                                                          String.join(", ", NAMES) + ')');
        };
    }

    /** Returns a new {@value #GIE_DEFAULT} profile. */
    public static SchedulerProfile gieDefault() {
        return SchedulerProfile.builder(GIE_DEFAULT)
                               .hasher(BlockHasher.characters(BlockHasher.DEFAULT_BLOCK_CHARS,
                                                              BlockHasher.GIE_MAX_BLOCKS))
                               .scorer(new PrefixCacheScorer(), 3)
                               .scorer(new QueueScorer(false), 2)
                               .scorer(new KvCacheScorer(false), 2)
                               .picker(new MaxScorePicker())
                               .build();
    }

    /** Returns a new {@value #SLUICE_DEFAULT} profile. */
    public static SchedulerProfile sluiceDefault() {
        return sluiceDefault(BlockHasher.characters(BlockHasher.DEFAULT_BLOCK_CHARS, SLUICE_MAX_BLOCKS));
    }

    /** Returns a new {@value #SLUICE_DEFAULT} profile cutting prompts with {@code hasher}, such as token blocks. */
    public static SchedulerProfile sluiceDefault(BlockHasher hasher) {
        return SchedulerProfile.builder(SLUICE_DEFAULT)
                               .hasher(hasher)
                               .scorer(new PrefixCacheScorer(), 3)
                               .scorer(new QueueScorer(true), 1.5)
                               .scorer(new KvCacheScorer(true), 3)
                               .scorer(new LoraAffinityScorer(), 1)
                               .picker(new MaxScorePicker())
                               .build();
    }
}

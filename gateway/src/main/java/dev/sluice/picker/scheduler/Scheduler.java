package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.EndpointPicker;
import dev.sluice.picker.PickRequest;
import dev.sluice.picker.metrics.EndpointLoad;

/**
 * Picks endpoints by a {@link SchedulerProfile}: GIE's scheduling framework (filters, weighted scorers clamped to
 * [0, 1], one picker) returning every endpoint in order, so the tail is the proxy's fallback list.
 *
 * <h2>One decision</h2>
 * <ol>
 *   <li>Read every endpoint's load once ({@link EndpointLoadSource}). Endpoints whose metrics are not fresh read as
 *       saturated to the scorers, so they cannot win on old numbers; when no endpoint is fresh, load scorers use the
 *       gateway's own in-flight counts instead (see {@link SchedulingContext}).</li>
 *   <li>If the profile uses prefixes: hash the prompt into chained blocks ({@link BlockHasher}) and look up how many
 *       leading blocks each endpoint holds ({@link PrefixIndex}), all endpoints in one pass.</li>
 *   <li>Run the filters in order. A filter that would remove every endpoint is skipped (GIE fails the request
 *       instead); what filters remove goes to the back of the list, fewest in-flight requests first, as last-resort
 *       fallbacks.</li>
 *   <li>Score: each scorer's scores, clamped to [0, 1] with NaN as 0, times its weight, summed per endpoint.</li>
 *   <li>Order with the picker. Finally endpoints the proxy last saw down move behind the live ones, order kept.</li>
 * </ol>
 * {@link #pick} records the prompt's blocks for the first endpoint, as GIE does right after scheduling;
 * {@link #schedule} leaves that to the caller, who knows where the request really went. Recording runs on the
 * index's writer; give the index an executor (see {@link PrefixIndex#PrefixIndex(java.util.concurrent.Executor)})
 * to keep it off the request path.
 *
 * <p>Thread-safe if the random generator is ({@link java.util.concurrent.ThreadLocalRandom#current()} is; a seeded
 * generator is for tests on one thread).
 */
public final class Scheduler implements EndpointPicker {

    private final SchedulerProfile profile;
    private final EndpointLoadSource loads;
    private final PrefixIndex index;
    private final RandomGenerator random;
    private final ScheduleListener listener;

    /**
     * Creates a scheduler following {@code profile}, reading loads from {@code loads}, predicting prefixes with
     * {@code index} (share one index only among schedulers with equal {@linkplain SchedulerProfile#hasher() block
     * settings}), and drawing tie-breaks from {@code random}.
     */
    public Scheduler(SchedulerProfile profile, EndpointLoadSource loads, PrefixIndex index, RandomGenerator random) {
        this(profile, loads, index, random, ScheduleListener.NOOP);
    }

    /** Creates a scheduler as the four-argument constructor does, telling {@code listener} about every pick. */
    public Scheduler(SchedulerProfile profile, EndpointLoadSource loads, PrefixIndex index, RandomGenerator random,
                     ScheduleListener listener) {
        this.profile = requireNonNull(profile, "profile");
        this.loads = requireNonNull(loads, "loads");
        this.index = requireNonNull(index, "index");
        this.random = requireNonNull(random, "random");
        this.listener = requireNonNull(listener, "listener");
    }

    /** Returns the profile. */
    public SchedulerProfile profile() {
        return profile;
    }

    /** Returns the prefix index. */
    public PrefixIndex prefixIndex() {
        return index;
    }

    /** Returns the endpoints to try, best first, and records the prompt's prefix for the first of them. */
    @Override
    public List<Endpoint> pick(PickRequest request, List<Endpoint> endpoints) {
        final Schedule schedule = schedule(request, endpoints);
        if (!schedule.endpoints().isEmpty()) {
            schedule.sentTo(schedule.endpoints().get(0));
            listener.scheduled(request, schedule, profile.hasher().blockTokens());
        }
        return schedule.endpoints();
    }

    /** Orders {@code endpoints} for {@code request}; call {@link Schedule#sentTo} for where it goes. */
    public Schedule schedule(PickRequest request, List<Endpoint> endpoints) {
        requireNonNull(request, "request");
        requireNonNull(endpoints, "endpoints");
        final int n = endpoints.size();
        if (n == 0) {
            return Schedule.EMPTY;
        }
        final EndpointLoad[] endpointLoads = new EndpointLoad[n];
        boolean anyFresh = false;
        for (int i = 0; i < n; i++) {
            final EndpointLoad load = requireNonNull(loads.load(endpoints.get(i).authority()), "load");
            endpointLoads[i] = load;
            anyFresh |= load.isFresh();
        }
        PrefixBlocks blocks = PrefixBlocks.NONE;
        final int[] matched = new int[n];
        if (profile.usesPrefix() && !request.prompt().isEmpty()) {
            blocks = profile.hasher().hash(request.model(), request.prompt());
            if (blocks.count() > 0) {
                final int[] slots = new int[n];
                for (int i = 0; i < n; i++) {
                    slots[i] = index.slotOf(endpoints.get(i).authority());
                }
                index.match(blocks, slots, matched);
            }
        }
        final List<Candidate> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(new Candidate(endpoints.get(i), endpointLoads[i], matched[i], i));
        }
        final SchedulingContext context = new SchedulingContext(request, blocks, anyFresh);

        List<Candidate> kept = all;
        for (Filter filter : profile.filters()) {
            final List<Candidate> next = new ArrayList<>(kept.size());
            for (Candidate c : kept) {
                if (filter.keep(context, c)) {
                    next.add(c);
                }
            }
            if (!next.isEmpty()) {
                kept = next;
            }
        }

        final int k = kept.size();
        final double[] totals = new double[k];
        final double[] scores = new double[k];
        for (WeightedScorer ws : profile.scorers()) {
            if (ws.weight() == 0) {
                continue;
            }
            Arrays.fill(scores, 0);
            ws.scorer().score(context, kept, scores);
            for (int i = 0; i < k; i++) {
                final double s = scores[i];
                totals[i] += ws.weight() * (s > 0 ? Math.min(1, s) : 0); // NaN and negatives count as 0
            }
        }
        final int[] order = profile.picker().order(totals, random);

        final Candidate[] ordered = new Candidate[n];
        int m = 0;
        for (int i : order) {
            ordered[m++] = kept.get(i);
        }
        if (k < n) {
            final boolean[] in = new boolean[n];
            for (Candidate c : kept) {
                in[c.position] = true;
            }
            final int from = m;
            for (Candidate c : all) {
                if (!in[c.position]) {
                    ordered[m++] = c;
                }
            }
            Arrays.sort(ordered, from, n,
                        (a, b) -> Integer.compare(a.load().inFlightRequests(), b.load().inFlightRequests()));
        }
        // Live endpoints first, order otherwise kept.
        final Endpoint[] result = new Endpoint[n];
        final int[] resultMatched = new int[n];
        final EndpointLoad[] resultLoads = new EndpointLoad[n];
        int r = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (Candidate c : ordered) {
                if (c.endpoint().isLive() == (pass == 0)) {
                    result[r] = c.endpoint();
                    resultMatched[r] = c.matchedBlocks();
                    resultLoads[r] = c.load();
                    r++;
                }
            }
        }
        return new Schedule(List.of(result), resultMatched, resultLoads, blocks, index);
    }

    @Override
    public String toString() {
        return "Scheduler{" + profile.name() + '}';
    }
}

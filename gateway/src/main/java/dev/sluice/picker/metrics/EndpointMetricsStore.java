package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * Holds the latest scrape results of every endpoint and answers, at the moment of asking, whether they are fresh
 * and what the endpoint's load is once this gateway's own requests are added.
 *
 * <p>Writers report each scrape through a {@link Scrape} handle: {@link #startScrape(String, String)} when it
 * starts, then {@link Scrape#succeeded(ModelServerMetrics)} or {@link Scrape#failed(String)}. A metric's age is
 * measured from the start of its scrape. Readers get immutable snapshots; the state ({@link MetricsState}) is
 * computed from the injected clock at each read, so staleness needs no timer.
 *
 * <p>Thread-safe: reads are lock-free, writes lock one endpoint's entry.
 */
public final class EndpointMetricsStore {

    /**
     * The default staleness bound, 200 ms: GIE's saturation detector treats older metrics as saturated. It is four
     * scrapes at the default 50 ms interval.
     */
    public static final Duration DEFAULT_STALENESS_BOUND = Duration.ofMillis(200);

    private final LongSupplier nanoTime;
    private final long stalenessNanos;
    private final Duration stalenessBound;
    private final LocalLoad localLoad;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();

    /** Creates a store on the system clock with the default staleness bound and its own {@link LocalLoad}. */
    public EndpointMetricsStore() {
        this(System::nanoTime, DEFAULT_STALENESS_BOUND, new LocalLoad());
    }

    /**
     * Creates a store that reads time from {@code nanoTime} (a monotonic clock such as {@link System#nanoTime()}),
     * treats metrics older than {@code stalenessBound} as stale, and reads this gateway's own load from
     * {@code localLoad}.
     */
    public EndpointMetricsStore(LongSupplier nanoTime, Duration stalenessBound, LocalLoad localLoad) {
        this.nanoTime = requireNonNull(nanoTime, "nanoTime");
        requireNonNull(stalenessBound, "stalenessBound");
        if (stalenessBound.isNegative() || stalenessBound.isZero()) {
            throw new IllegalArgumentException("stalenessBound: " + stalenessBound + " (expected: > 0)");
        }
        this.stalenessBound = stalenessBound;
        stalenessNanos = stalenessBound.toNanos();
        this.localLoad = requireNonNull(localLoad, "localLoad");
    }

    /** Returns the clock this store measures ages with. */
    public LongSupplier nanoTime() {
        return nanoTime;
    }

    /** Returns the age beyond which metrics are stale. */
    public Duration stalenessBound() {
        return stalenessBound;
    }

    /** Returns the counters of this gateway's own requests. */
    public LocalLoad localLoad() {
        return localLoad;
    }

    /**
     * Starts a scrape of the endpoint at {@code authority} with the engine mapping named {@code engine}, recording
     * the time and this gateway's counters; report its outcome on the handle.
     */
    public Scrape startScrape(String authority, String engine) {
        requireNonNull(authority, "authority");
        requireNonNull(engine, "engine");
        final Entry entry = entries.computeIfAbsent(authority, Entry::new);
        return new Scrape(entry, engine, nanoTime.getAsLong(), localLoad.counters(authority).mark());
    }

    /** Forgets the endpoint at {@code authority}; outcomes of scrapes started before are ignored. */
    public void remove(String authority) {
        entries.remove(requireNonNull(authority, "authority"));
    }

    /** Returns the authorities of the endpoints with scrape results or scrapes under way. */
    public Set<String> authorities() {
        return Set.copyOf(entries.keySet());
    }

    /** Returns what is known about the endpoint at {@code authority} now; {@link MetricsState#UNKNOWN} if nothing. */
    public EndpointMetricsSnapshot snapshot(String authority) {
        requireNonNull(authority, "authority");
        final Entry entry = entries.get(authority);
        return entry == null ? unknown(authority)
                             : entry.record.snapshot(authority, nanoTime.getAsLong(), stalenessNanos);
    }

    /** Returns the endpoint's scraped metrics combined with this gateway's own requests to it, now. */
    public EndpointLoad load(String authority) {
        requireNonNull(authority, "authority");
        final Entry entry = entries.get(authority);
        final long now = nanoTime.getAsLong();
        final EndpointMetricsSnapshot snapshot;
        final LocalLoad.Mark mark;
        if (entry == null) {
            snapshot = unknown(authority);
            mark = LocalLoad.Mark.ZERO;
        } else {
            final Record r = entry.record;
            snapshot = r.snapshot(authority, now, stalenessNanos);
            mark = r.mark;
        }
        final LocalLoad.Counters c = localLoad.counters(authority);
        final LocalLoad.Mark current = c.mark();
        return new EndpointLoad(snapshot, (int) c.inFlight.get(), (int) c.awaitingFirstToken.get(),
                                c.inFlightTokens.get(),
                                current.sent() - mark.sent(), current.finished() - mark.finished(),
                                current.inFlightTokens() - mark.inFlightTokens());
    }

    /**
     * Returns one JSON-ready map per endpoint, sorted by authority, for an admin page: {@code authority},
     * {@code engine}, {@code state}, {@code ageMillis}, {@code consecutiveFailures}, {@code lastError},
     * {@code waiting}, {@code running}, {@code kvCacheUsage}, {@code runningLoraAdapters},
     * {@code waitingLoraAdapters}, {@code maxLoras}, {@code kvCacheBlocks}, {@code blockSize}, {@code inFlight},
     * {@code inFlightTokens}, {@code awaitingFirstToken}, {@code estimatedWaiting}, {@code estimatedPending}. Unknown and infinite numbers are null, since JSON has no
     * NaN.
     */
    public List<Map<String, Object>> describe() {
        final List<Map<String, Object>> list = new ArrayList<>();
        for (String authority : new TreeSet<>(entries.keySet())) {
            final EndpointLoad load = load(authority);
            final EndpointMetricsSnapshot s = load.metrics();
            final ModelServerMetrics m = s.metrics();
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("authority", authority);
            row.put("engine", s.engine());
            row.put("state", s.state().name());
            row.put("ageMillis", s.ageNanos() < 0 ? null : TimeUnit.NANOSECONDS.toMillis(s.ageNanos()));
            row.put("consecutiveFailures", s.consecutiveFailures());
            row.put("lastError", s.lastError());
            row.put("waiting", number(m.waitingRequests()));
            row.put("running", number(m.runningRequests()));
            row.put("kvCacheUsage", number(m.kvCacheUsage()));
            row.put("runningLoraAdapters", m.runningLoraAdapters());
            row.put("waitingLoraAdapters", m.waitingLoraAdapters());
            row.put("maxLoras", m.maxLoras());
            row.put("kvCacheBlocks", m.kvCacheBlocks());
            row.put("blockSize", m.blockSize());
            row.put("inFlight", load.inFlightRequests());
            row.put("inFlightTokens", load.inFlightTokens());
            row.put("awaitingFirstToken", load.awaitingFirstToken());
            row.put("estimatedWaiting", number(load.estimatedWaiting()));
            row.put("estimatedPending", number(load.estimatedPending()));
            list.add(row);
        }
        return list;
    }

    private static @Nullable Double number(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static EndpointMetricsSnapshot unknown(String authority) {
        return new EndpointMetricsSnapshot(authority, "", MetricsState.UNKNOWN, ModelServerMetrics.UNKNOWN, -1, 0,
                                           null);
    }

    /**
     * One endpoint's results, replaced as a whole on each outcome.
     *
     * @param successStartNanos when the last successful scrape started (meaningless unless {@code succeeded})
     * @param mark this gateway's counters when the last successful scrape started
     */
    private record Record(String engine, ModelServerMetrics metrics, boolean succeeded, long successStartNanos,
                          LocalLoad.Mark mark, int consecutiveFailures, @Nullable String lastError) {

        static final Record EMPTY =
                new Record("", ModelServerMetrics.UNKNOWN, false, 0, LocalLoad.Mark.ZERO, 0, null);

        EndpointMetricsSnapshot snapshot(String authority, long now, long stalenessNanos) {
            final MetricsState state;
            final long age;
            if (!succeeded) {
                age = -1;
                state = consecutiveFailures > 0 ? MetricsState.FAILED : MetricsState.UNKNOWN;
            } else {
                age = Math.max(0, now - successStartNanos);
                // The bound itself counts as fresh, so a scrape exactly one bound old is still usable.
                state = age <= stalenessNanos ? MetricsState.FRESH
                                                     : consecutiveFailures > 0 ? MetricsState.FAILED
                                                                               : MetricsState.STALE;
            }
            return new EndpointMetricsSnapshot(authority, engine, state, metrics, age, consecutiveFailures,
                                               lastError);
        }
    }

    private static final class Entry {
        final String authority;
        volatile Record record = Record.EMPTY;

        Entry(String authority) {
            this.authority = authority;
        }
    }

    /**
     * Reports the outcome of one scrape of one endpoint; the first outcome counts and later ones are ignored, as
     * are outcomes of scrapes older than the latest success or of endpoints removed since.
     */
    public final class Scrape {

        private final Entry entry;
        private final String engine;
        private final long startNanos;
        private final LocalLoad.Mark mark;
        private boolean done; // guarded by entry

        private Scrape(Entry entry, String engine, long startNanos, LocalLoad.Mark mark) {
            this.entry = entry;
            this.engine = engine;
            this.startNanos = startNanos;
            this.mark = mark;
        }

        /** Returns when the scrape started, on the store's clock. */
        public long startNanos() {
            return startNanos;
        }

        /** Records the metrics the scrape returned. */
        public void succeeded(ModelServerMetrics metrics) {
            requireNonNull(metrics, "metrics");
            synchronized (entry) {
                if (!claim()) {
                    return;
                }
                final Record r = entry.record;
                if (r.succeeded && r.successStartNanos - startNanos > 0) {
                    return; // a later scrape already succeeded
                }
                entry.record = new Record(engine, metrics, true, startNanos, mark, 0, null);
            }
        }

        /** Records that the scrape failed, and why. */
        public void failed(String error) {
            requireNonNull(error, "error");
            synchronized (entry) {
                if (!claim()) {
                    return;
                }
                final Record r = entry.record;
                if (r.succeeded && r.successStartNanos - startNanos > 0) {
                    return; // a later scrape already succeeded
                }
                entry.record = new Record(engine, r.metrics, r.succeeded, r.successStartNanos, r.mark,
                                          r.consecutiveFailures + 1, error);
            }
        }

        private boolean claim() {
            if (done || entries.get(entry.authority) != entry) {
                return false;
            }
            done = true;
            return true;
        }
    }
}

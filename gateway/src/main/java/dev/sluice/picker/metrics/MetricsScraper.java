package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.CommonPools;

/**
 * Scrapes each target's Prometheus metrics on an interval and records the results in an
 * {@link EndpointMetricsStore}.
 *
 * <h2>One loop per endpoint</h2>
 * Each target has its own loop, driven by the injected scheduler and clock:
 * <pre>
 *   run:       start = now; store.startScrape(); arm a timer for the timeout; GET the metrics page
 *   complete:  (response, error or timer, whichever comes first; the others are ignored)
 *              record success or failure; schedule run at max(now, start + interval)
 * </pre>
 * The next scrape is scheduled only once the current one has completed, so one endpoint never has two scrapes in
 * flight; a scrape slower than the interval delays the next one instead of piling up. On timeout the request is
 * aborted. Because the timer runs on the injected scheduler and ages are read from the injected clock, tests
 * drive every transition by advancing fake time, without sleeping.
 *
 * <h2>What counts as a failure</h2>
 * A connection or protocol error, a status other than 2xx, the timeout (default 1 s, GIE's per-poll timeout), and
 * a page that carries none of the engine's waiting, running and KV cache metrics (usually a wrong engine label).
 * A failure keeps the previous metrics, which stay usable until they pass the store's staleness bound. Entering
 * and leaving the failing state is logged once each, not on every attempt.
 *
 * <p>Thread-safe. {@link #setTargets(Collection)} reconciles: new targets start at once, removed or changed ones
 * stop and leave the store.
 */
public final class MetricsScraper implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(MetricsScraper.class);

    /** The default interval between the starts of two scrapes of one endpoint, 50 ms as in GIE. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);

    /** The default time a scrape may take before it is aborted and counted as failed, 1 s as in GIE. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    /** Metrics pages run to a few hundred kilobytes; anything far larger is not one. */
    private static final int MAX_RESPONSE_LENGTH = 16 * 1024 * 1024;

    /** Returns a new {@link Builder} of a scraper that records into {@code store}. */
    public static Builder builder(EndpointMetricsStore store) {
        return new Builder(store);
    }

    private final EndpointMetricsStore store;
    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final ScheduledExecutorService scheduler;
    private final MetricsFetcher fetcher;
    private final Map<String, Loop> loops = new LinkedHashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    private MetricsScraper(Builder b, MetricsFetcher fetcher) {
        store = b.store;
        nanoTime = store.nanoTime();
        intervalNanos = b.interval.toNanos();
        timeoutNanos = b.timeout.toNanos();
        scheduler = b.scheduler != null ? b.scheduler : CommonPools.workerGroup().next();
        this.fetcher = fetcher;
    }

    /**
     * Scrapes exactly {@code targets} from now on. Targets are keyed by authority; of two with one authority the
     * first wins. A target whose address, path or engine changed restarts with an empty history.
     *
     * @throws IllegalStateException if the scraper is closed
     */
    public synchronized void setTargets(Collection<ScrapeTarget> targets) {
        requireNonNull(targets, "targets");
        if (closed) {
            throw new IllegalStateException("closed");
        }
        final Map<String, ScrapeTarget> wanted = new LinkedHashMap<>();
        for (ScrapeTarget t : targets) {
            wanted.putIfAbsent(requireNonNull(t, "targets contains null").authority(), t);
        }
        for (var it = loops.entrySet().iterator(); it.hasNext();) {
            final Map.Entry<String, Loop> e = it.next();
            if (!e.getValue().target.equals(wanted.get(e.getKey()))) {
                e.getValue().stop();
                store.remove(e.getKey());
                it.remove();
            }
        }
        for (ScrapeTarget t : wanted.values()) {
            if (!loops.containsKey(t.authority())) {
                final Loop loop = new Loop(t);
                loops.put(t.authority(), loop);
                loop.schedule(0);
            }
        }
    }

    /** Returns the targets being scraped. */
    public synchronized Set<ScrapeTarget> targets() {
        final List<ScrapeTarget> list = new ArrayList<>();
        loops.values().forEach(l -> list.add(l.target));
        return Set.copyOf(list);
    }

    /** Stops every loop, aborts the scrapes in flight and removes the targets from the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        loops.forEach((authority, loop) -> {
            loop.stop();
            store.remove(authority);
        });
        loops.clear();
    }

    /** Scrapes one target, one attempt at a time. */
    private final class Loop {

        final ScrapeTarget target;
        private boolean stopped; // guarded by this
        private long attempt; // guarded by this; the current attempt's number
        private boolean attemptDone = true; // guarded by this
        private boolean failing; // guarded by this; for logging transitions only
        private @Nullable ScheduledFuture<?> next; // guarded by this
        private @Nullable ScheduledFuture<?> timer; // guarded by this
        private @Nullable CompletableFuture<MetricsFetcher.Response> inFlight; // guarded by this

        Loop(ScrapeTarget target) {
            this.target = target;
        }

        synchronized void schedule(long delayNanos) {
            if (stopped) {
                return;
            }
            try {
                next = scheduler.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                logger.warn("Cannot schedule the scrape of {}: the scheduler is shut down", target.url());
                stopped = true;
            }
        }

        private void run() {
            final long id;
            final EndpointMetricsStore.Scrape scrape;
            synchronized (this) {
                if (stopped || !attemptDone) {
                    return;
                }
                id = ++attempt;
                attemptDone = false;
                scrape = store.startScrape(target.authority(), target.engine().name());
                try {
                    timer = scheduler.schedule(() -> timedOut(id, scrape), timeoutNanos, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    stopped = true;
                    return;
                }
            }
            CompletableFuture<MetricsFetcher.Response> future;
            try {
                future = fetcher.fetch(target);
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            synchronized (this) {
                if (!attemptDone && attempt == id) {
                    inFlight = future;
                }
            }
            future.whenComplete((response, error) -> completed(id, scrape, response, error));
        }

        private void completed(long id, EndpointMetricsStore.Scrape scrape,
                               MetricsFetcher.@Nullable Response response, @Nullable Throwable error) {
            synchronized (this) {
                if (!finish(id)) {
                    return; // timed out or stopped before
                }
            }
            String failure = null;
            if (error != null) {
                failure = describe(error);
            } else if (response == null || response.status() < 200 || response.status() > 299) {
                failure = "HTTP " + (response == null ? "?" : response.status()) + " from " + target.url();
            } else {
                final ModelServerMetrics metrics;
                try {
                    metrics = target.engine().parse(response.body());
                } catch (RuntimeException e) {
                    failure = "cannot read the metrics: " + describe(e);
                    record(scrape, null, failure);
                    return;
                }
                if (metrics.hasLoad()) {
                    record(scrape, metrics, null);
                    return;
                }
                failure = "no " + target.engine().name() + " metrics in the response from " + target.url() +
                          " (expected one of: " + new TreeSet<>(target.engine().loadMetricNames()) + ')';
            }
            record(scrape, null, failure);
        }

        private void timedOut(long id, EndpointMetricsStore.Scrape scrape) {
            final CompletableFuture<MetricsFetcher.Response> future;
            synchronized (this) {
                future = inFlight;
                if (!finish(id)) {
                    return;
                }
            }
            if (future != null) {
                future.cancel(true); // aborts the request; its completion is ignored
            }
            record(scrape, null, "timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }

        /** Ends attempt {@code id} if it is still current; returns whether this call ended it. */
        private boolean finish(long id) {
            if (stopped || attemptDone || attempt != id) {
                return false;
            }
            attemptDone = true;
            inFlight = null;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            return true;
        }

        private void record(EndpointMetricsStore.Scrape scrape, @Nullable ModelServerMetrics metrics,
                            @Nullable String failure) {
            final boolean wasFailing;
            synchronized (this) {
                wasFailing = failing;
                failing = metrics == null;
            }
            if (metrics != null) {
                scrape.succeeded(metrics);
                if (wasFailing) {
                    logger.info("Scraping {} works again", target.url());
                }
            } else {
                scrape.failed(failure);
                if (!wasFailing) {
                    logger.warn("Scraping {} failed: {} (logged once until it works again)", target.url(),
                                failure);
                }
            }
            schedule(Math.max(0, scrape.startNanos() + intervalNanos - nanoTime.getAsLong()));
        }

        void stop() {
            final CompletableFuture<MetricsFetcher.Response> future;
            synchronized (this) {
                stopped = true;
                future = inFlight;
                inFlight = null;
                if (next != null) {
                    next.cancel(false);
                }
                if (timer != null) {
                    timer.cancel(false);
                }
            }
            if (future != null) {
                future.cancel(true);
            }
        }
    }

    /** Returns a one-line description of a scrape error, unwrapping the wrappers that say nothing. */
    static String describe(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException ||
                t instanceof UnprocessedRequestException) && t.getCause() != null) {
            t = t.getCause();
        }
        final String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    /** Builds a {@link MetricsScraper}. */
    public static final class Builder {

        private final EndpointMetricsStore store;
        private Duration interval = DEFAULT_INTERVAL;
        private Duration timeout = DEFAULT_TIMEOUT;
        private @Nullable ScheduledExecutorService scheduler;
        private ClientFactory clientFactory = ClientFactory.ofDefault();
        private @Nullable MetricsFetcher fetcher;

        private Builder(EndpointMetricsStore store) {
            this.store = requireNonNull(store, "store");
        }

        /**
         * Sets the interval between the starts of two scrapes of one endpoint. Default: 50 ms. Must be shorter
         * than the store's staleness bound.
         */
        public Builder interval(Duration interval) {
            requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
            }
            this.interval = interval;
            return this;
        }

        /** Sets how long a scrape may take before it is aborted and counted as failed. Default: 1 s. */
        public Builder timeout(Duration timeout) {
            requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets the scheduler that runs the loops and timeouts; {@link MetricsScraper#close()} does not shut it
         * down. Default: one of Armeria's worker event loops.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Sets the client factory whose connections the scrapes use. Default: Armeria's default factory. */
        public Builder clientFactory(ClientFactory clientFactory) {
            this.clientFactory = requireNonNull(clientFactory, "clientFactory");
            return this;
        }

        /** Replaces HTTP fetching, for tests. */
        Builder fetcher(MetricsFetcher fetcher) {
            this.fetcher = requireNonNull(fetcher, "fetcher");
            return this;
        }

        /** Returns a new scraper with no targets. */
        public MetricsScraper build() {
            if (interval.compareTo(store.stalenessBound()) >= 0) {
                throw new IllegalArgumentException("interval: " + interval + " (expected: < the store's " +
                                                   "staleness bound " + store.stalenessBound() + ')');
            }
            final MetricsFetcher f = fetcher != null ? fetcher
                                                     : new WebClientMetricsFetcher(clientFactory, timeout,
                                                                                   MAX_RESPONSE_LENGTH);
            return new MetricsScraper(this, f);
        }
    }
}

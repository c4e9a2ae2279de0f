package dev.sluice.picker.flow;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * Admits requests to a pool only while it has capacity, so that a burst waits in the gateway instead of piling onto
 * model servers that are already full.
 *
 * <h2>Admission</h2>
 * <pre>
 *   pool not saturated and nobody queued   → admitted at once
 *   saturated and priority &lt; 0            → shed at once, 429 (GIE's legacy admission)
 *   otherwise                              → queued: highest priority first, then first come
 *     queue full                           → 503 at once, unless the newcomer outranks the lowest queued request,
 *                                            which is displaced with 503 instead
 *     pool below saturation                → released, head of the queue first
 *     waited maxWait                       → 503 "timed out in queue"
 *     caller cancels the future            → removed from the queue
 * </pre>
 * A pool is saturated when {@link PoolSaturation} reads 1 or more. The queue is strictly by priority, as GIE's
 * dispatch loop is between priority bands: while the head cannot go, nobody behind it goes.
 *
 * <h2>When queued requests are released</h2>
 * The controller re-checks a pool when one of its requests finishes ({@link #onFinished(String)}, which frees
 * capacity), when a request is queued, and on a tick ({@code tick}, default 10 ms, running only while something is
 * queued) that also expires requests past {@code maxWait}. Each check releases at most {@code releasePerCheck}
 * requests (default 4) while the pool reads below saturation: a released request reaches a model server only after
 * it is scheduled and sent, so saturation, which counts the gateway's sent requests, would not yet show it, and
 * releasing the whole queue at once would recreate the burst.
 *
 * <p>Time comes from an injected clock and ticks from an injected scheduler, so tests run without sleeping. Futures
 * complete outside the controller's locks, on the thread that decided (the caller's, the tick's or the finisher's);
 * attach asynchronous continuations if that matters.
 */
public final class FlowController implements AutoCloseable {

    /** The default bound of each pool's queue. */
    public static final int DEFAULT_MAX_QUEUE_SIZE = 1000;

    /** The default longest wait in the queue. */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(30);

    /** The default interval of re-checks and expiry while requests are queued. */
    public static final Duration DEFAULT_TICK = Duration.ofMillis(10);

    /** The default number of requests released per check. */
    public static final int DEFAULT_RELEASE_PER_CHECK = 4;

    /** Returns a builder of a controller reading pool saturation from {@code saturation}. */
    public static Builder builder(PoolSaturation saturation) {
        return new Builder(saturation);
    }

    private static final Comparator<Waiter> ORDER =
            Comparator.comparingInt((Waiter w) -> -w.priority).thenComparingLong(w -> w.sequence);

    private final PoolSaturation saturation;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier nanoTime;
    private final int maxQueueSize;
    private final long maxWaitNanos;
    private final long tickNanos;
    private final int releasePerCheck;
    private final FlowListener listener;
    private final ConcurrentMap<String, PoolQueue> queues = new ConcurrentHashMap<>();
    private final AtomicBoolean tickScheduled = new AtomicBoolean();
    private volatile boolean closed;

    private FlowController(Builder b) {
        saturation = b.saturation;
        scheduler = requireNonNull(b.scheduler, "scheduler (expected: set with Builder.scheduler)");
        nanoTime = b.nanoTime;
        maxQueueSize = b.maxQueueSize;
        maxWaitNanos = b.maxWait.toNanos();
        tickNanos = b.tick.toNanos();
        releasePerCheck = b.releasePerCheck;
        listener = b.listener;
    }

    /**
     * Returns a future that completes when the request of {@code priority} to {@code pool} may proceed, or with the
     * error to answer it with; cancel it when the client goes away.
     */
    public CompletableFuture<Admission> admit(String pool, int priority) {
        requireNonNull(pool, "pool");
        if (closed) {
            return answered(pool, priority, new Admission(Admission.Outcome.CLOSED, 0));
        }
        final PoolQueue q = queues.computeIfAbsent(pool, PoolQueue::new);
        final Waiter waiter;
        @Nullable Waiter displaced = null;
        synchronized (q) {
            final boolean saturated = isSaturated(pool);
            if (q.waiters.isEmpty() && !saturated) {
                waiter = null;
            } else if (saturated && priority < 0) {
                return answered(pool, priority, new Admission(Admission.Outcome.SHED, 0));
            } else {
                if (q.waiters.size() >= maxQueueSize) {
                    final Waiter lowest = maxQueueSize == 0 ? null : q.waiters.last();
                    if (lowest == null || lowest.priority >= priority) {
                        return answered(pool, priority, new Admission(Admission.Outcome.QUEUE_FULL, 0));
                    }
                    q.waiters.remove(lowest);
                    displaced = lowest;
                }
                waiter = new Waiter(q, priority, q.nextSequence++, nanoTime.getAsLong());
                q.waiters.add(waiter);
            }
        }
        if (waiter == null) {
            return answered(pool, priority, new Admission(Admission.Outcome.ADMITTED, 0));
        }
        if (displaced != null) {
            complete(displaced, Admission.Outcome.QUEUE_FULL);
        }
        listener.enqueued(pool, priority);
        waiter.future.whenComplete((a, t) -> {
            if (waiter.future.isCancelled()) {
                cancelled(waiter);
            }
        });
        scheduleTick();
        check(q);
        return waiter.future;
    }

    /** Tells the controller that a request to {@code pool} finished, so queued ones may go. */
    public void onFinished(String pool) {
        requireNonNull(pool, "pool");
        final PoolQueue q = queues.get(pool);
        if (q != null) {
            check(q);
        }
    }

    /** Returns how many requests wait for {@code pool}. */
    public int queueSize(String pool) {
        requireNonNull(pool, "pool");
        final PoolQueue q = queues.get(pool);
        if (q == null) {
            return 0;
        }
        synchronized (q) {
            return q.waiters.size();
        }
    }

    /**
     * Returns how many requests wait, by pool and then by priority, for GIE's
     * {@code inference_extension_flow_control_queue_size} gauge; pools with nothing queued are absent.
     */
    public Map<String, Map<Integer, Integer>> queueSizes() {
        final Map<String, Map<Integer, Integer>> out = new TreeMap<>();
        for (PoolQueue q : queues.values()) {
            synchronized (q) {
                if (q.waiters.isEmpty()) {
                    continue;
                }
                final Map<Integer, Integer> byPriority = new TreeMap<>();
                for (Waiter w : q.waiters) {
                    byPriority.merge(w.priority, 1, Integer::sum);
                }
                out.put(q.pool, byPriority);
            }
        }
        return out;
    }

    /** Returns how long the oldest request waiting for {@code pool} has waited; zero when none waits. */
    public Duration oldestWait(String pool) {
        requireNonNull(pool, "pool");
        final PoolQueue q = queues.get(pool);
        if (q == null) {
            return Duration.ZERO;
        }
        final long now = nanoTime.getAsLong();
        long oldest = 0;
        synchronized (q) {
            for (Waiter w : q.waiters) {
                oldest = Math.max(oldest, now - w.enqueuedNanos);
            }
        }
        return Duration.ofNanos(oldest);
    }

    /** Answers every queued request with 503 and admits no more; does not shut the scheduler down. */
    @Override
    public void close() {
        closed = true;
        for (PoolQueue q : queues.values()) {
            final List<Waiter> all;
            synchronized (q) {
                all = new ArrayList<>(q.waiters);
                q.waiters.clear();
            }
            for (Waiter w : all) {
                complete(w, Admission.Outcome.CLOSED);
            }
        }
    }

    private boolean isSaturated(String pool) {
        return !(saturation.saturation(pool) < 1); // NaN counts as saturated
    }

    private CompletableFuture<Admission> answered(String pool, int priority, Admission admission) {
        listener.completed(pool, priority, admission);
        return CompletableFuture.completedFuture(admission);
    }

    /** Expires, then releases up to {@code releasePerCheck} requests while the pool is below saturation. */
    private void check(PoolQueue q) {
        final List<Waiter> expired = new ArrayList<>();
        final List<Waiter> released = new ArrayList<>();
        synchronized (q) {
            if (q.waiters.isEmpty()) {
                return;
            }
            final long now = nanoTime.getAsLong();
            q.waiters.removeIf(w -> {
                if (now - w.enqueuedNanos >= maxWaitNanos) {
                    expired.add(w);
                    return true;
                }
                return false;
            });
            while (!q.waiters.isEmpty() && released.size() < releasePerCheck && !isSaturated(q.pool)) {
                released.add(q.waiters.pollFirst());
            }
        }
        for (Waiter w : expired) {
            complete(w, Admission.Outcome.TIMED_OUT);
        }
        for (Waiter w : released) {
            complete(w, Admission.Outcome.ADMITTED);
        }
    }

    private void complete(Waiter w, Admission.Outcome outcome) {
        final Admission admission = new Admission(outcome, Math.max(0, nanoTime.getAsLong() - w.enqueuedNanos));
        if (w.future.complete(admission)) {
            listener.completed(w.queue.pool, w.priority, admission);
        }
    }

    private void cancelled(Waiter w) {
        final boolean removed;
        synchronized (w.queue) {
            removed = w.queue.waiters.remove(w);
        }
        if (removed) {
            listener.completed(w.queue.pool, w.priority,
                               new Admission(Admission.Outcome.CANCELLED,
                                             Math.max(0, nanoTime.getAsLong() - w.enqueuedNanos)));
        }
    }

    private void scheduleTick() {
        if (closed || !tickScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(this::tick, tickNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            tickScheduled.set(false);
        }
    }

    private void tick() {
        tickScheduled.set(false);
        boolean pending = false;
        for (PoolQueue q : queues.values()) {
            check(q);
            synchronized (q) {
                pending |= !q.waiters.isEmpty();
            }
        }
        if (pending) {
            scheduleTick();
        }
    }

    private static final class PoolQueue {
        final String pool;
        final TreeSet<Waiter> waiters = new TreeSet<>(ORDER); // guarded by this
        long nextSequence; // guarded by this

        PoolQueue(String pool) {
            this.pool = pool;
        }
    }

    private static final class Waiter {
        final PoolQueue queue;
        final int priority;
        final long sequence;
        final long enqueuedNanos;
        final CompletableFuture<Admission> future = new CompletableFuture<>();

        Waiter(PoolQueue queue, int priority, long sequence, long enqueuedNanos) {
            this.queue = queue;
            this.priority = priority;
            this.sequence = sequence;
            this.enqueuedNanos = enqueuedNanos;
        }
    }

    /** Builds a {@link FlowController}. */
    public static final class Builder {

        private final PoolSaturation saturation;
        private @Nullable ScheduledExecutorService scheduler;
        private LongSupplier nanoTime = System::nanoTime;
        private int maxQueueSize = DEFAULT_MAX_QUEUE_SIZE;
        private Duration maxWait = DEFAULT_MAX_WAIT;
        private Duration tick = DEFAULT_TICK;
        private int releasePerCheck = DEFAULT_RELEASE_PER_CHECK;
        private FlowListener listener = FlowListener.NOOP;

        private Builder(PoolSaturation saturation) {
            this.saturation = requireNonNull(saturation, "saturation");
        }

        /** Sets the scheduler that runs ticks; required. {@link FlowController#close()} does not shut it down. */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Sets the monotonic clock. Default: {@link System#nanoTime()}. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /** Sets the bound of each pool's queue; 0 rejects whatever would queue. Default: 1000. */
        public Builder maxQueueSize(int maxQueueSize) {
            if (maxQueueSize < 0) {
                throw new IllegalArgumentException("maxQueueSize: " + maxQueueSize + " (expected: >= 0)");
            }
            this.maxQueueSize = maxQueueSize;
            return this;
        }

        /** Sets the longest a request waits in the queue before a 503. Default: 30 s. */
        public Builder maxWait(Duration maxWait) {
            requireNonNull(maxWait, "maxWait");
            if (maxWait.isNegative() || maxWait.isZero()) {
                throw new IllegalArgumentException("maxWait: " + maxWait + " (expected: > 0)");
            }
            this.maxWait = maxWait;
            return this;
        }

        /** Sets the interval of re-checks and expiry while requests are queued. Default: 10 ms. */
        public Builder tick(Duration tick) {
            requireNonNull(tick, "tick");
            if (tick.isNegative() || tick.isZero()) {
                throw new IllegalArgumentException("tick: " + tick + " (expected: > 0)");
            }
            this.tick = tick;
            return this;
        }

        /** Sets the most requests released per check. Default: 4. */
        public Builder releasePerCheck(int releasePerCheck) {
            if (releasePerCheck < 1) {
                throw new IllegalArgumentException("releasePerCheck: " + releasePerCheck + " (expected: >= 1)");
            }
            this.releasePerCheck = releasePerCheck;
            return this;
        }

        /** Sets the listener of admissions, for metrics. Default: none. */
        public Builder listener(FlowListener listener) {
            this.listener = requireNonNull(listener, "listener");
            return this;
        }

        /** Returns the controller. */
        public FlowController build() {
            return new FlowController(this);
        }
    }
}

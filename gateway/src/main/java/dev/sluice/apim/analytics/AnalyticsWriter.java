package dev.sluice.apim.analytics;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes analytics records off the request path: requests {@link #submit} records into a bounded queue, and one
 * thread writes them to the {@link AnalyticsStore} in batches of up to {@code batchSize}, at least every
 * {@code flushInterval}.
 *
 * <h2>Under store slowness</h2>
 * Memory is bounded by {@code queueCapacity}. When the queue is full, {@link #submit} waits up to
 * {@code offerTimeout} (a brief stall of the calling event loop, which only happens when the store has been behind
 * for a whole queue) and then drops the record, counting it in {@link #dropped()}
 * ({@code sluice_apim_analytics_dropped_total}). A batch that fails with a transient error (a busy or unreachable
 * database) is retried with backoff (100 ms doubling to 5 s) until it is written; one that fails otherwise is retried
 * {@value #PERMANENT_RETRIES} times and then dropped and counted. In normal operation nothing is lost.
 *
 * <h2>Graceful shutdown</h2>
 * {@link #close()} first waits (up to {@code closeTimeout}) for the exchanges announced with {@link #begin()} to
 * complete their record, then writes everything queued, retrying transient failures until the same deadline. The
 * gateway closes its listeners first, which lets requests in flight finish, so every answered request is written.
 */
public final class AnalyticsWriter implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(AnalyticsWriter.class);

    static final int PERMANENT_RETRIES = 3;

    /**
     * How the writer batches and bounds itself.
     *
     * @param queueCapacity records held in memory at most
     * @param batchSize records per write at most
     * @param flushInterval how long a record may wait for its batch to fill
     * @param offerTimeout how long {@link #submit} waits on a full queue before dropping
     * @param closeTimeout how long {@link #close()} may take to write what is pending
     */
    public record Options(int queueCapacity, int batchSize, Duration flushInterval, Duration offerTimeout,
                          Duration closeTimeout) {
        public Options {
            requireNonNull(flushInterval, "flushInterval");
            requireNonNull(offerTimeout, "offerTimeout");
            requireNonNull(closeTimeout, "closeTimeout");
            if (queueCapacity < 1 || batchSize < 1 || batchSize > queueCapacity) {
                throw new IllegalArgumentException("queueCapacity " + queueCapacity + ", batchSize " + batchSize +
                                                   " (expected: 1 <= batchSize <= queueCapacity)");
            }
            if (flushInterval.isNegative() || flushInterval.isZero() || offerTimeout.isNegative() ||
                closeTimeout.isNegative()) {
                throw new IllegalArgumentException("flushInterval must be > 0 and timeouts >= 0");
            }
        }

        /** 100,000 records, batches of 500, flushed every second, 5 ms on a full queue, 30 s to close. */
        public static Options defaults() {
            return new Options(100_000, 500, Duration.ofSeconds(1), Duration.ofMillis(5), Duration.ofSeconds(30));
        }
    }

    private final AnalyticsStore store;
    private final Options options;
    private final ArrayBlockingQueue<AnalyticsRecord> queue;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    /** Exchanges announced with begin() that have not completed or been abandoned yet. */
    private final AtomicLong announced = new AtomicLong();
    /** Records that were queued and later dropped (failed batches), so flush() knows they are done. */
    private final AtomicLong droppedAfterQueue = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progress = lock.newCondition();
    private volatile boolean closing;
    private volatile long deadlineNanos = Long.MAX_VALUE;

    /** Starts the writer's thread. */
    public AnalyticsWriter(AnalyticsStore store, Options options) {
        this.store = requireNonNull(store, "store");
        this.options = requireNonNull(options, "options");
        queue = new ArrayBlockingQueue<>(options.queueCapacity());
        thread = new Thread(this::loop, "sluice-apim-analytics");
        thread.setDaemon(true);
        thread.start();
    }

    /** Returns the store written to. */
    public AnalyticsStore store() {
        return store;
    }

    /**
     * Announces an exchange whose record will come later, so that {@link #close()} waits for it. Every
     * {@code begin()} must be followed by one {@link #complete} or {@link #abandon()}.
     */
    public void begin() {
        announced.incrementAndGet();
    }

    /** Ends an announced exchange that will submit no record. */
    public void abandon() {
        announced.decrementAndGet();
        signal();
    }

    /** Submits the record of an exchange announced with {@link #begin()}; see {@link #submit}. */
    public boolean complete(AnalyticsRecord record) {
        try {
            return submit(record);
        } finally {
            announced.decrementAndGet();
        }
    }

    /**
     * Queues {@code record}; returns {@code false} when it was dropped because the queue stayed full for
     * {@code offerTimeout} or the writer is closed.
     */
    public boolean submit(AnalyticsRecord record) {
        requireNonNull(record, "record");
        // After close() the thread is gone: nothing would write the record.
        boolean queued = thread.isAlive() && queue.offer(record);
        if (!queued && thread.isAlive()) {
            try {
                queued = queue.offer(record, options.offerTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (queued) {
            submitted.incrementAndGet();
        } else {
            dropped.incrementAndGet();
        }
        signal();
        return queued;
    }

    /** Returns records dropped (queue full, or a batch that could not be written). */
    public long dropped() {
        return dropped.get();
    }

    /** Returns records written to the store. */
    public long written() {
        return written.get();
    }

    /** Returns records queued and not written yet. */
    public int pending() {
        return queue.size();
    }

    /**
     * Waits until every record submitted before this call has been written or dropped; returns whether that
     * happened within {@code timeout}.
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        final long target = submitted.get();
        final long end = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (written.get() + droppedAfterQueue.get() < target) {
                final long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                progress.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            progress.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void loop() {
        final List<AnalyticsRecord> batch = new ArrayList<>(options.batchSize());
        while (true) {
            try {
                final AnalyticsRecord first = queue.poll(closing ? 10 : 100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closing && queue.isEmpty() && (allEnded() || System.nanoTime() > deadlineNanos)) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                final long fillUntil = System.nanoTime() + options.flushInterval().toNanos();
                while (batch.size() < options.batchSize()) {
                    queue.drainTo(batch, options.batchSize() - batch.size());
                    final long left = fillUntil - System.nanoTime();
                    if (batch.size() >= options.batchSize() || closing || left <= 0) {
                        break;
                    }
                    final AnalyticsRecord next = queue.poll(left, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                write(batch);
                batch.clear();
            } catch (InterruptedException e) {
                // close() gave up waiting: drop what is left, counted.
                final int lost = batch.size() + queue.size();
                dropped.addAndGet(lost);
                droppedAfterQueue.addAndGet(lost);
                queue.clear();
                signal();
                return;
            }
        }
    }

    private boolean allEnded() {
        return announced.get() <= 0;
    }

    private void write(List<AnalyticsRecord> batch) throws InterruptedException {
        long backoffMillis = 100;
        int permanentFailures = 0;
        while (true) {
            try {
                store.append(batch);
                written.addAndGet(batch.size());
                signal();
                return;
            } catch (RuntimeException e) {
                final boolean isTransient = e instanceof AnalyticsStoreException ase && ase.isTransient();
                if (!isTransient) {
                    permanentFailures++;
                }
                if (permanentFailures > PERMANENT_RETRIES || System.nanoTime() > deadlineNanos) {
                    logger.error("dropping {} analytics records: {}", batch.size(), e.getMessage());
                    dropped.addAndGet(batch.size());
                    droppedAfterQueue.addAndGet(batch.size());
                    signal();
                    return;
                }
                logger.warn("analytics write of {} records failed ({}), retrying in {} ms: {}", batch.size(),
                            isTransient ? "transient" : "attempt " + permanentFailures, backoffMillis,
                            e.getMessage());
                Thread.sleep(backoffMillis);
                backoffMillis = Math.min(5000, backoffMillis * 2);
            }
        }
    }

    /**
     * Waits for announced exchanges to submit their records, writes everything queued, and stops; bounded by
     * {@code closeTimeout}, after which what is left is dropped and counted. Does not close the store.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        deadlineNanos = System.nanoTime() + options.closeTimeout().toNanos();
        closing = true;
        try {
            thread.join(Math.max(1, options.closeTimeout().toMillis() + 1000));
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (written.get() > 0 || dropped.get() > 0) {
            logger.info("analytics: {} records written, {} dropped", written.get(), dropped.get());
        }
    }
}

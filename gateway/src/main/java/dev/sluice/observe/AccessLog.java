package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.GatewaySnapshot;

/**
 * Writes the access log: one JSON line ({@link AccessLogFormat}) per sampled exchange ({@link AccessLogSampler}) to
 * the logger {@value #LOGGER}, from a background thread.
 *
 * <p>The request's thread only samples and puts the record in a bounded queue; formatting and I/O happen on the
 * writer thread, which polls the queue (it is never woken by producers, so a request never pays for a thread
 * wake-up). When the queue is full the line is dropped and counted, never waited for: a slow disk must not slow
 * the data plane.
 */
public final class AccessLog implements AutoCloseable {

    /** The logger that receives the lines; route it in the logging configuration. */
    public static final String LOGGER = "sluice.access";
    /** The default queue capacity. */
    public static final int DEFAULT_CAPACITY = 8192;

    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final Logger logger = LoggerFactory.getLogger(AccessLog.class);

    private final AccessLogSampler sampler;
    private final Consumer<String> sink;
    private final Runnable onDrop;
    private final ArrayBlockingQueue<ExchangeRecord> queue;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong handled = new AtomicLong();
    private final Thread writer;
    private volatile boolean running = true;

    /**
     * Starts the writer.
     *
     * @param sink receives each line (the {@value #LOGGER} logger in production)
     * @param onDrop called for each line dropped because the queue was full
     */
    public AccessLog(AccessLogSampler sampler, Consumer<String> sink, Runnable onDrop, int capacity) {
        this.sampler = requireNonNull(sampler, "sampler");
        this.sink = requireNonNull(sink, "sink");
        this.onDrop = requireNonNull(onDrop, "onDrop");
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        queue = new ArrayBlockingQueue<>(capacity);
        writer = Thread.ofPlatform().daemon().name("sluice-access-log").unstarted(this::run);
        writer.start();
    }

    /** Returns a sink writing to the {@value #LOGGER} logger at INFO. */
    public static Consumer<String> loggerSink() {
        final Logger access = LoggerFactory.getLogger(LOGGER);
        return access::info;
    }

    /** Logs {@code r} if the sampler keeps it. */
    public void offer(ExchangeRecord r, GatewaySnapshot snapshot) {
        if (!sampler.shouldLog(r, snapshot)) {
            return;
        }
        if (queue.offer(r)) {
            accepted.incrementAndGet();
        } else {
            onDrop.run();
        }
    }

    /** Waits until every accepted record has been written, up to {@code timeout}; returns whether it did. */
    public boolean flush(Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (handled.get() < accepted.get()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(IDLE_PARK_NANOS / 2);
        }
        return true;
    }

    private void run() {
        final List<ExchangeRecord> batch = new ArrayList<>(256);
        while (true) {
            queue.drainTo(batch, 256);
            if (batch.isEmpty()) {
                if (!running) {
                    return;
                }
                LockSupport.parkNanos(IDLE_PARK_NANOS);
                continue;
            }
            for (ExchangeRecord r : batch) {
                try {
                    sink.accept(AccessLogFormat.format(r));
                } catch (RuntimeException e) {
                    logger.warn("Cannot write an access log line", e);
                }
                handled.incrementAndGet();
            }
            batch.clear();
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(writer);
        try {
            writer.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.sluice.picker.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs scheduled tasks only when the test advances a {@link FakeTicker}, in due order, on the test's thread. Only
 * one-shot {@link #schedule(Runnable, long, TimeUnit)} is supported, which is all the scraper uses.
 */
final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {

    private final FakeTicker ticker;
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long sequence;
    private boolean shutdown;

    FakeScheduler(FakeTicker ticker) {
        this.ticker = ticker;
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way at its due time. */
    void advance(Duration d) {
        final long target = ticker.getAsLong() + d.toNanos();
        while (true) {
            final Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.due - target > 0) {
                    break;
                }
                tasks.poll();
            }
            if (next.cancelled) {
                continue;
            }
            if (next.due - ticker.getAsLong() > 0) {
                ticker.set(next.due);
            }
            next.done = true;
            next.command.run();
        }
        ticker.set(target);
    }

    /** Runs the tasks due now. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** Returns the delays of the tasks still waiting, soonest first. */
    synchronized List<Duration> pendingDelays() {
        final List<Duration> list = new ArrayList<>();
        tasks.stream().filter(t -> !t.cancelled).sorted()
             .forEach(t -> list.add(Duration.ofNanos(t.due - ticker.getAsLong())));
        return list;
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        final Task task = new Task(command, ticker.getAsLong() + unit.toNanos(Math.max(0, delay)), sequence++);
        tasks.add(task);
        return task;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
                                                     TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        final List<Runnable> list = new ArrayList<>();
        tasks.forEach(t -> list.add(t.command));
        tasks.clear();
        return list;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && tasks.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable command;
        final long due;
        final long seq;
        volatile boolean cancelled;
        volatile boolean done;

        Task(Runnable command, long due, long seq) {
            this.command = command;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - ticker.getAsLong(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            final Task other = (Task) o;
            final int byDue = Long.compare(due, other.due);
            return byDue != 0 ? byDue : Long.compare(seq, other.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }
}

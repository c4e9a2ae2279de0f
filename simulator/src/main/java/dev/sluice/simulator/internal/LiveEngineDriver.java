package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.netty.util.concurrent.EventExecutor;

/**
 * Runs a {@link BatchingEngine} in real time on one event loop: each step is scheduled to end its duration
 * (divided by the time compression) after it began, and the next begins where it ended while there is work.
 *
 * <p>Engine time is real time since the driver started, times the compression, but it advances by whole planned
 * steps: a step that ends late (a busy event loop, or the millisecond timers of NIO) does not delay the next one,
 * which is then scheduled that much sooner, so real-time lateness never dilates engine time (at a compression of
 * 50, one millisecond late would otherwise be 50 ms of engine time). A request that arrives while a step runs
 * counts as arriving no later than the step's planned end; one that arrives at an idle engine starts a step at its
 * arrival (after the request overhead). Every method may be called from any thread; the engine is touched on the
 * event loop only.
 */
final class LiveEngineDriver {

    private final BatchingEngine engine;
    private final EventExecutor loop;
    private final double compression;
    private final LongSupplier ticker;
    private final long origin;
    // Event-loop state.
    private boolean stepping;
    private long stepEnd; // the planned end of the step in flight
    private long engineTime; // the planned end of the latest step

    LiveEngineDriver(BatchingEngine engine, EventExecutor loop, double compression, LongSupplier ticker) {
        this.engine = requireNonNull(engine, "engine");
        this.loop = requireNonNull(loop, "loop");
        this.compression = compression;
        this.ticker = requireNonNull(ticker, "ticker");
        origin = ticker.getAsLong();
    }

    BatchingEngine engine() {
        return engine;
    }

    /**
     * Hands sequences to the engine, in order, after the timing model's request overhead.
     */
    void submit(List<Sequence> sequences) {
        loop.execute(() -> {
            final long arrival = now();
            for (Sequence sequence : sequences) {
                sequence.markArrival(arrival);
                final long overhead = engine.timing().overheadNanos(sequence.promptTokens());
                if (overhead == 0) {
                    engine.add(sequence, arrival);
                } else {
                    final long ready = arrival + overhead;
                    loop.schedule(() -> {
                        engine.add(sequence, ready);
                        kick(ready);
                    }, delayUntil(ready), TimeUnit.NANOSECONDS);
                }
            }
            kick(arrival);
        });
    }

    /**
     * Ends a sequence early, freeing its KV blocks.
     */
    void abort(Sequence sequence) {
        loop.execute(() -> {
            final long now = now();
            engine.abort(sequence, now);
            kick(now);
        });
    }

    /**
     * Runs the given function on the engine's event loop.
     */
    <T> CompletableFuture<T> call(Supplier<T> function) {
        return CompletableFuture.supplyAsync(function, loop);
    }

    /** Returns the engine time of an event happening now. */
    private long now() {
        final long real = (long) ((ticker.getAsLong() - origin) * compression);
        return stepping ? Math.min(real, stepEnd) : Math.max(real, engineTime);
    }

    private long delayUntil(long engineNanos) {
        return Math.max(0, origin + (long) (engineNanos / compression) - ticker.getAsLong());
    }

    /** Begins a step if none runs and there is work, no earlier than the given engine time. */
    private void kick(long readyAt) {
        if (stepping) {
            return;
        }
        final long start = Math.max(engineTime, readyAt);
        final BatchingEngine.Plan plan = engine.beginStep(start);
        if (plan == null) {
            return;
        }
        stepping = true;
        final long end = start + plan.durationNanos();
        stepEnd = end;
        loop.schedule(() -> endStep(end), delayUntil(end), TimeUnit.NANOSECONDS);
    }

    private void endStep(long end) {
        engineTime = end;
        stepping = false;
        engine.endStep(end);
        kick(end);
    }
}

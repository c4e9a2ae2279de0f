package dev.sluice.picker.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A monotonic clock that moves only when told to. */
final class FakeTicker implements LongSupplier {

    // Not zero, so that code subtracting times does not get lucky with an origin of 0.
    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);

    @Override
    public long getAsLong() {
        return nanos.get();
    }

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    void set(long value) {
        nanos.set(value);
    }
}

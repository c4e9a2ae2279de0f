package dev.sluice.apim.limit;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * A {@link RateLimiter} that keeps its counters in this process: exact for one replica, and per replica when there
 * are several (use the shared implementation then).
 *
 * <p>Spike arrest is the generic cell rate algorithm with no burst, which is Apigee's smoothing: for a rate of
 * {@code N} per period, a request is admitted when at least {@code period / N} has passed since the theoretical
 * arrival time of the previous admitted one; refused requests do not move it. Calendar quotas keep one count per
 * window; rolling quotas keep a ring of buckets (see {@link Windows}).
 *
 * <p>Every decision runs under one lock: a decision is a handful of map lookups, far shorter than anything else on a
 * request's path, and one lock makes a multi-counter decision atomic without ordering locks.
 */
public final class InMemoryRateLimiter implements RateLimiter {

    private final Clock clock;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final Map<String, Counter> counters = new HashMap<>();
    /** Theoretical arrival time (epoch microseconds) per spike arrest counter; guarded by {@link #lock}. */
    private final Map<String, long[]> spikeArrest = new HashMap<>();

    /** Creates a limiter reading time from {@code clock}. */
    public InMemoryRateLimiter(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public CompletableFuture<Admission> admit(AdmissionRequest request) {
        requireNonNull(request, "request");
        final Instant now = clock.instant();
        final long nowMillis = now.toEpochMilli();
        final long nowMicros = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L),
                                             now.getNano() / 1000);
        synchronized (lock) {
            final SpikeCheck spike = request.spikeArrest();
            long[] tat = null;
            if (spike != null) {
                tat = spikeArrest.computeIfAbsent(spike.counter() + '|' + spike.rate(), k -> new long[] { 0 });
                if (nowMicros < tat[0]) {
                    return CompletableFuture.completedFuture(refused(
                            new Violation(null, Duration.ofNanos((tat[0] - nowMicros) * 1000)), request, nowMillis));
                }
            }
            final List<Counter> hit = new ArrayList<>(request.charges().size());
            for (Charge c : request.charges()) {
                final Counter counter = counter(c);
                final long used = counter.used(nowMillis);
                final long limit = c.quota().limit();
                if (used >= limit || used + c.cost() > limit) {
                    final Duration retry = Duration.ofMillis(Math.max(0, counter.resetAt(nowMillis) - nowMillis));
                    return CompletableFuture.completedFuture(refused(new Violation(c, retry), request, nowMillis));
                }
                hit.add(counter);
            }
            if (tat != null) {
                tat[0] = Math.max(tat[0], nowMicros) + spike.rate().intervalMicros();
            }
            final List<QuotaState> states = new ArrayList<>(hit.size());
            final List<Held> held = new ArrayList<>();
            for (int i = 0; i < hit.size(); i++) {
                final Charge c = request.charges().get(i);
                final Counter counter = hit.get(i);
                final long window = counter.add(nowMillis, c.cost());
                if (c.quota().metric().isTokens()) {
                    held.add(new Held(c.counter(), c.quota(), window, c.cost()));
                }
                states.add(state(c, counter, nowMillis));
            }
            return CompletableFuture.completedFuture(new Admission(null, states, new Reservation(held)));
        }
    }

    @Override
    public CompletableFuture<Void> settle(Reservation reservation, long inputTokens, long outputTokens) {
        requireNonNull(reservation, "reservation");
        if (!reservation.markSettled() || reservation.held().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        final long nowMillis = clock.millis();
        synchronized (lock) {
            for (Held h : reservation.held()) {
                final long actual = h.quota().metric().cost(Math.max(0, inputTokens), Math.max(0, outputTokens));
                final Counter counter = counters.get(key(h.counter(), h.quota()));
                if (counter != null) {
                    counter.adjust(nowMillis, h.window(), actual - h.amount());
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Returns the units used now on {@code counter} for {@code quota}, for tests and diagnostics. */
    public long used(String counter, Quota quota) {
        synchronized (lock) {
            final Counter c = counters.get(key(counter, quota));
            return c == null ? 0 : c.used(clock.millis());
        }
    }

    private Admission refused(Violation violation, AdmissionRequest request, long nowMillis) {
        final List<QuotaState> states = new ArrayList<>(request.charges().size());
        for (Charge c : request.charges()) {
            states.add(state(c, counter(c), nowMillis));
        }
        return new Admission(violation, states, Reservation.none());
    }

    private static QuotaState state(Charge c, Counter counter, long nowMillis) {
        final long used = counter.used(nowMillis);
        return new QuotaState(c, used, Math.max(0, c.quota().limit() - used),
                              Instant.ofEpochMilli(counter.resetAt(nowMillis)));
    }

    private Counter counter(Charge c) {
        return counters.computeIfAbsent(key(c.counter(), c.quota()),
                                        k -> c.quota().type() == Quota.Type.CALENDAR ? new CalendarCounter(c.quota())
                                                                                     : new RollingCounter(c.quota()));
    }

    private static String key(String counter, Quota quota) {
        return counter + '|' + quota.signature();
    }

    /** A count in windows; not thread-safe (used under the limiter's lock). */
    private interface Counter {
        long used(long nowMillis);

        /** Adds {@code amount} now and returns the window it went into. */
        long add(long nowMillis, long amount);

        /** Adds {@code delta} to {@code window} if it still counts; never goes below zero. */
        void adjust(long nowMillis, long window, long delta);

        long resetAt(long nowMillis);
    }

    private static final class CalendarCounter implements Counter {
        private final Quota quota;
        private long start = Long.MIN_VALUE;
        private long end = Long.MIN_VALUE;
        private long used;

        CalendarCounter(Quota quota) {
            this.quota = quota;
        }

        private void roll(long nowMillis) {
            if (nowMillis >= end || nowMillis < start) {
                start = Windows.calendarStart(quota, nowMillis);
                end = Windows.calendarEnd(quota, start);
                used = 0;
            }
        }

        @Override
        public long used(long nowMillis) {
            roll(nowMillis);
            return used;
        }

        @Override
        public long add(long nowMillis, long amount) {
            roll(nowMillis);
            used += amount;
            return start;
        }

        @Override
        public void adjust(long nowMillis, long window, long delta) {
            roll(nowMillis);
            if (window == start) {
                used = Math.max(0, used + delta);
            }
        }

        @Override
        public long resetAt(long nowMillis) {
            roll(nowMillis);
            return end;
        }
    }

    private static final class RollingCounter implements Counter {
        private final long bucketMillis;
        /** One more slot than the window has buckets: see {@link Windows}. */
        private final int slots = Windows.ROLLING_BUCKETS + 1;
        private final long[] index = new long[slots];
        private final long[] counts = new long[slots];

        RollingCounter(Quota quota) {
            bucketMillis = Windows.bucketMillis(quota);
            java.util.Arrays.fill(index, Long.MIN_VALUE);
        }

        private boolean live(long bucket, long current) {
            return bucket != Long.MIN_VALUE && bucket > current - slots && bucket <= current;
        }

        @Override
        public long used(long nowMillis) {
            final long current = Math.floorDiv(nowMillis, bucketMillis);
            long sum = 0;
            for (int i = 0; i < slots; i++) {
                if (live(index[i], current)) {
                    sum += counts[i];
                }
            }
            return sum;
        }

        @Override
        public long add(long nowMillis, long amount) {
            final long current = Math.floorDiv(nowMillis, bucketMillis);
            final int slot = (int) Math.floorMod(current, (long) slots);
            if (index[slot] != current) {
                index[slot] = current;
                counts[slot] = 0;
            }
            counts[slot] += amount;
            return current;
        }

        @Override
        public void adjust(long nowMillis, long window, long delta) {
            final long current = Math.floorDiv(nowMillis, bucketMillis);
            final int slot = (int) Math.floorMod(window, (long) slots);
            if (index[slot] == window && live(window, current)) {
                counts[slot] = Math.max(0, counts[slot] + delta);
            }
        }

        @Override
        public long resetAt(long nowMillis) {
            final long current = Math.floorDiv(nowMillis, bucketMillis);
            @Nullable Long oldest = null;
            for (int i = 0; i < slots; i++) {
                if (live(index[i], current) && counts[i] > 0 && (oldest == null || index[i] < oldest)) {
                    oldest = index[i];
                }
            }
            // The oldest counted bucket stops counting once the current bucket is `slots` past it.
            return oldest == null ? nowMillis : (oldest + slots) * bucketMillis;
        }
    }
}

package dev.sluice.apim.limit;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * Decides whether a request may go on under its spike arrest and quotas, and charges it, in one atomic step.
 *
 * <p>Token quotas are charged by <em>reservation</em>: at admission the request is charged what it may use (its
 * estimated prompt tokens plus {@code max_tokens}), so concurrent requests cannot together overshoot a budget that
 * each alone fits in; when the response reports its real usage, {@link #settle} refunds or charges the difference in
 * the window that held the reservation. Request quotas are charged one per request and never settled.
 *
 * <p>{@link #admit} is all or nothing: when any check fails nothing is charged, and the answer names the first
 * failing check in this order: spike arrest, then the charges in the order given. Implementations may keep counters
 * in process or in a shared store; one kept in Redis does the whole decision in one script call, so replicas share
 * exact counts. Both are held to {@code RateLimiterContractTest}.
 */
public interface RateLimiter extends AutoCloseable {

    /** Checks every limit of {@code request} and, when all allow it, charges them all. */
    CompletableFuture<Admission> admit(AdmissionRequest request);

    /**
     * Replaces the token reservations of {@code reservation} by the real cost of {@code inputTokens} and
     * {@code outputTokens}. Only the first call for a reservation has an effect; a reservation whose window has
     * already ended is dropped, since that window no longer counts.
     */
    CompletableFuture<Void> settle(Reservation reservation, long inputTokens, long outputTokens);

    @Override
    default void close() {}

    /**
     * What one request asks for.
     *
     * @param spikeArrest the smoothing check, or {@code null}
     * @param charges the quotas to charge, each with its counter and cost
     */
    record AdmissionRequest(@Nullable SpikeCheck spikeArrest, List<Charge> charges) {
        public AdmissionRequest {
            charges = List.copyOf(charges);
        }
    }

    /** A spike arrest check on one counter (a product and an app, say). */
    record SpikeCheck(String counter, SpikeArrestRate rate) {}

    /** A charge of {@code cost} units against {@code quota} on {@code counter}. */
    record Charge(String counter, Quota quota, long cost) {
        public Charge {
            if (cost < 0) {
                throw new IllegalArgumentException("cost: " + cost + " (expected: >= 0)");
            }
        }
    }

    /**
     * The state of one quota after the decision, for rate-limit headers.
     *
     * @param used units used in the current window (including this request when admitted)
     * @param remaining units left, never negative
     * @param resetAt when the window resets (calendar) or its oldest counted use ends (rolling)
     */
    record QuotaState(Charge charge, long used, long remaining, Instant resetAt) {}

    /** Why a request was refused: by spike arrest ({@code charge} is {@code null}) or by a quota. */
    record Violation(@Nullable Charge charge, Duration retryAfter) {
        /** Returns whether spike arrest refused the request. */
        public boolean isSpikeArrest() {
            return charge == null;
        }
    }

    /**
     * The decision.
     *
     * @param violation why the request was refused, or {@code null} when admitted
     * @param quotas the state of every charged quota, in the order of the request's charges
     * @param reservation what was charged, to settle later (empty when refused)
     */
    record Admission(@Nullable Violation violation, List<QuotaState> quotas, Reservation reservation) {
        /** Returns whether the request may go on. */
        public boolean allowed() {
            return violation == null;
        }
    }

    /** One token charge held by an admitted request: its counter, quota, window and amount. */
    record Held(String counter, Quota quota, long window, long amount) {}

    /** The token charges an admitted request holds until it is settled. */
    final class Reservation {
        private static final Reservation NONE = new Reservation(List.of());

        private final List<Held> held;
        private final AtomicBoolean settled = new AtomicBoolean();

        public Reservation(List<Held> held) {
            this.held = List.copyOf(held);
        }

        /** Returns a reservation that holds nothing. */
        public static Reservation none() {
            return NONE;
        }

        /** Returns the token charges held. */
        public List<Held> held() {
            return held;
        }

        /** Marks this reservation settled; returns {@code false} if it already was. */
        public boolean markSettled() {
            return settled.compareAndSet(false, true);
        }

        /** Returns whether it has been settled. */
        public boolean isSettled() {
            return settled.get();
        }

        @Override
        public String toString() {
            return "Reservation" + held;
        }
    }
}

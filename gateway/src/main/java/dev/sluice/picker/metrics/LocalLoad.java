package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.picker.Endpoint;

/**
 * Counts exactly what this gateway has sent to each endpoint: requests and estimated tokens in flight, and
 * requests sent and finished so far, keyed by the endpoint's authority ({@code host:port}).
 *
 * <p>The proxy calls {@link #onSend(String, long)} when it sends a request to an endpoint,
 * {@link InFlight#onFirstToken()} on the returned handle when the first streamed token comes back, and
 * {@link InFlight#onFinish()} when that exchange ends, however it ends (response complete,
 * error, client gone, retried elsewhere). The store compares these counts with the ones taken when a scrape
 * started, so that requests sent since then are visible before the next scrape.
 *
 * <p>Thread-safe; every method is lock-free.
 */
public final class LocalLoad {

    /** Characters per token when estimating a prompt's tokens from its length, as GIE does. */
    public static final int CHARS_PER_TOKEN = 4;

    /**
     * Returns the tokens a request may occupy on the server: its prompt, estimated from {@code promptChars}, plus
     * {@code maxTokens} when the request sets it ({@code <= 0}: not set, counted as zero).
     */
    public static long estimateTokens(long promptChars, long maxTokens) {
        return (Math.max(0, promptChars) + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN + Math.max(0, maxTokens);
    }

    private final ConcurrentMap<String, Counters> counters = new ConcurrentHashMap<>();

    /** Counts a request sent to {@code endpoint} with {@code estimatedTokens}; finish it through the handle. */
    public InFlight onSend(Endpoint endpoint, long estimatedTokens) {
        requireNonNull(endpoint, "endpoint");
        return onSend(endpoint.authority(), estimatedTokens);
    }

    /** Counts a request sent to the endpoint at {@code authority}; finish it through the handle. */
    public InFlight onSend(String authority, long estimatedTokens) {
        requireNonNull(authority, "authority");
        if (estimatedTokens < 0) {
            throw new IllegalArgumentException("estimatedTokens: " + estimatedTokens + " (expected: >= 0)");
        }
        final Counters c = counters(authority);
        c.inFlightTokens.addAndGet(estimatedTokens);
        c.inFlight.incrementAndGet();
        c.awaitingFirstToken.incrementAndGet();
        c.sent.incrementAndGet();
        return new InFlight(authority, estimatedTokens, c);
    }

    /** Returns the requests in flight to the endpoint at {@code authority}. */
    public int inFlight(String authority) {
        final Counters c = counters.get(requireNonNull(authority, "authority"));
        return c == null ? 0 : (int) c.inFlight.get();
    }

    /**
     * Returns the requests in flight to the endpoint at {@code authority} that have not yet produced a token (see
     * {@link InFlight#onFirstToken()}): queued or in prefill on the server, as far as this gateway can tell.
     */
    public int awaitingFirstToken(String authority) {
        final Counters c = counters.get(requireNonNull(authority, "authority"));
        return c == null ? 0 : (int) c.awaitingFirstToken.get();
    }

    /** Returns the estimated tokens of the requests in flight to the endpoint at {@code authority}. */
    public long inFlightTokens(String authority) {
        final Counters c = counters.get(requireNonNull(authority, "authority"));
        return c == null ? 0 : c.inFlightTokens.get();
    }

    Counters counters(String authority) {
        return counters.computeIfAbsent(authority, k -> new Counters());
    }

    /** Holds one endpoint's counters. */
    static final class Counters {
        final AtomicLong inFlight = new AtomicLong();
        final AtomicLong inFlightTokens = new AtomicLong();
        final AtomicLong awaitingFirstToken = new AtomicLong();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong finished = new AtomicLong();

        Mark mark() {
            // Not one atomic read; off by a request that lands between the reads at most.
            return new Mark(sent.get(), finished.get(), inFlightTokens.get());
        }
    }

    /** The counters at one moment, to subtract from later ones. */
    record Mark(long sent, long finished, long inFlightTokens) {
        static final Mark ZERO = new Mark(0, 0, 0);
    }

    /** Represents one request in flight to one endpoint; finishing it more than once counts once. */
    public static final class InFlight {

        private final String authority;
        private final long tokens;
        private final Counters counters;
        private final AtomicBoolean finished = new AtomicBoolean();
        private final AtomicBoolean started = new AtomicBoolean();

        private InFlight(String authority, long tokens, Counters counters) {
            this.authority = authority;
            this.tokens = tokens;
            this.counters = counters;
        }

        /** Returns the endpoint's authority. */
        public String authority() {
            return authority;
        }

        /** Returns the tokens the request was counted with. */
        public long tokens() {
            return tokens;
        }

        /**
         * Counts the request's first token (the first streamed event with text); later calls do nothing. Until
         * then the request counts as {@linkplain LocalLoad#awaitingFirstToken(String) awaiting its first token},
         * which a request that is not streamed does until it finishes.
         */
        public void onFirstToken() {
            if (started.compareAndSet(false, true)) {
                counters.awaitingFirstToken.decrementAndGet();
            }
        }

        /** Counts the request as finished; later calls do nothing. */
        public void onFinish() {
            onFirstToken();
            if (finished.compareAndSet(false, true)) {
                counters.finished.incrementAndGet();
                counters.inFlight.decrementAndGet();
                counters.inFlightTokens.addAndGet(-tokens);
            }
        }

        @Override
        public String toString() {
            return "InFlight{" + authority + ", tokens=" + tokens + ", finished=" + finished.get() + '}';
        }
    }
}

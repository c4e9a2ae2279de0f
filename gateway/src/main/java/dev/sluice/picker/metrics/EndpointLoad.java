package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

/**
 * Combines an endpoint's scraped metrics with what this gateway knows exactly about it: its own requests in flight
 * and those sent and finished since the scrape started.
 *
 * <h2>Estimates between scrapes</h2>
 * A scrape is up to an interval old, and a burst sent in that time is invisible to it. The estimates add what this
 * gateway did since the scrape started to the scraped numbers: the queue counts the requests sent since that have no
 * first token yet and finished requests admit scraped waiting ones ({@link #estimatedWaiting()}); the pending count
 * is never below this gateway's requests without a first token ({@link #estimatedPending()}); KV usage adds the net
 * tokens sent. They are measured from
 * the scrape's <em>start</em>, so requests sent while the scrape was in flight may be counted twice; the estimates
 * err high. Other gateway replicas' traffic shows up only at the next scrape.
 *
 * <h2>Saturated when not fresh</h2>
 * When the metrics are not {@linkplain EndpointMetricsSnapshot#isFresh() fresh} (stale, failed or never scraped)
 * the estimates read as saturated: {@link #estimatedWaiting()} is {@code +Infinity} and
 * {@link #estimatedKvCacheUsage()} is {@code 1}. The raw last values remain in {@link #metrics()}; a scorer that
 * must order such endpoints can fall back on {@link #inFlightRequests()}, which is always exact.
 *
 * @param metrics the scraped state
 * @param inFlightRequests this gateway's requests in flight to the endpoint now
 * @param awaitingFirstToken this gateway's requests in flight to the endpoint that have not yet produced a token
 * @param inFlightTokens the estimated tokens (prompt plus {@code max_tokens}) of those requests
 * @param sentSinceScrape requests sent since the last successful scrape started
 * @param finishedSinceScrape requests finished since the last successful scrape started
 * @param tokensSinceScrape the change in {@code inFlightTokens} since the last successful scrape started
 */
public record EndpointLoad(EndpointMetricsSnapshot metrics, int inFlightRequests, int awaitingFirstToken,
                           long inFlightTokens,
                           long sentSinceScrape, long finishedSinceScrape, long tokensSinceScrape) {

    public EndpointLoad {
        requireNonNull(metrics, "metrics");
    }

    /** Returns the endpoint's {@code host:port}. */
    public String authority() {
        return metrics.authority();
    }

    /** Returns whether the scraped metrics are fresh, the only state in which the estimates are finite. */
    public boolean isFresh() {
        return metrics.isFresh();
    }

    /** Returns this gateway's net change in requests in flight since the scrape started. */
    public long requestsSinceScrape() {
        return sentSinceScrape - finishedSinceScrape;
    }

    /**
     * Returns the server's queue length now: the scraped waiting requests that no finish since has admitted, plus
     * this gateway's requests sent since the scrape that have not produced a token yet,
     * {@code max(0, scrapedWaiting - finishedSinceScrape) + min(sentSinceScrape, awaitingFirstToken)};
     * {@code +Infinity} when the metrics are not fresh, NaN when the engine does not report its queue. This is what
     * the saturation detector compares with its queue threshold.
     *
     * <p>A finished request lets one in from the server's queue, so finishes cancel scraped waiting requests, but
     * with an empty queue they free room without making a new request any less pending.
     */
    public double estimatedWaiting() {
        if (!isFresh()) {
            return Double.POSITIVE_INFINITY;
        }
        final double waiting = metrics.metrics().waitingRequests();
        if (Double.isNaN(waiting)) {
            return waiting;
        }
        return Math.max(0, waiting - finishedSinceScrape) + Math.min(Math.max(0, sentSinceScrape), awaitingFirstToken);
    }

    /**
     * Returns the requests that will be served before a new one gets its first token, as far as this gateway can
     * tell: {@link #estimatedWaiting()}, but never fewer than this gateway's requests without a first token, which
     * are queued or in prefill for certain even after a scrape has shown them running (a request that is not
     * streamed counts until it ends). The queue scorers read this.
     *
     * <p>Without it, consecutive requests between two scrapes see the same empty queues, and the other scores (such
     * as the emptiest KV cache) send them all to one endpoint, whose prefills then share steps.
     */
    public double estimatedPending() {
        final double waiting = estimatedWaiting();
        return Double.isNaN(waiting) ? waiting : Math.max(awaitingFirstToken, waiting);
    }

    /**
     * Returns the KV cache usage now: the scraped fraction plus the tokens added since the scrape over the cache's
     * capacity in tokens (when the engine reports its blocks and block size), within 0..1; {@code 1} when the
     * metrics are not fresh, NaN when the engine does not report its usage.
     */
    public double estimatedKvCacheUsage() {
        if (!isFresh()) {
            return 1;
        }
        final ModelServerMetrics m = metrics.metrics();
        final double capacityTokens = (double) m.kvCacheBlocks() * m.blockSize();
        if (capacityTokens <= 0 || Double.isNaN(m.kvCacheUsage())) {
            return m.kvCacheUsage();
        }
        return Math.min(1, Math.max(0, m.kvCacheUsage() + tokensSinceScrape / capacityTokens));
    }
}

package dev.sluice.picker.metrics;

import java.util.concurrent.CompletableFuture;

/**
 * Fetches a target's metrics page. Cancelling the returned future must abort the request.
 */
@FunctionalInterface
interface MetricsFetcher {

    /** The status and body of one response. */
    record Response(int status, String body) {}

    CompletableFuture<Response> fetch(ScrapeTarget target);
}

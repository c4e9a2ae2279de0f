package dev.sluice.picker.metrics;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;

/**
 * Fetches metrics pages with one Armeria {@link WebClient} over a shared {@link ClientFactory}, so connections to
 * each server are kept alive between scrapes.
 */
final class WebClientMetricsFetcher implements MetricsFetcher {

    /** Text format 0.0.4 first; OpenMetrics is read as well. */
    private static final String ACCEPT =
            "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1";

    private final WebClient client;

    WebClientMetricsFetcher(ClientFactory factory, Duration timeout, int maxResponseLength) {
        client = WebClient.builder()
                          .factory(factory)
                          // The scraper enforces its own timeout; this one only backs it up.
                          .responseTimeout(timeout.plus(timeout))
                          .maxResponseLength(maxResponseLength)
                          .build();
    }

    @Override
    public CompletableFuture<Response> fetch(ScrapeTarget target) {
        final HttpResponse res = client.prepare().get(target.url()).header(HttpHeaderNames.ACCEPT, ACCEPT).execute();
        final CompletableFuture<Response> future =
                res.aggregate().thenApply(r -> new Response(r.status().code(), r.contentUtf8()));
        future.whenComplete((r, e) -> {
            if (e instanceof CancellationException) {
                res.abort();
            }
        });
        return future;
    }
}

package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Serves a registry at {@code GET /metrics}: the Prometheus text format (0.0.4), or OpenMetrics 1.0 when the
 * {@code Accept} header asks for {@code application/openmetrics-text}.
 */
public final class MetricsService implements HttpService {

    private final PrometheusRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();

    /** Creates the service for {@code registry}. */
    public MetricsService(PrometheusRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            return HttpResponse.of(HttpStatus.METHOD_NOT_ALLOWED);
        }
        final ExpositionFormatWriter writer = formats.findWriter(req.headers().get(HttpHeaderNames.ACCEPT));
        // Pool gauges read the endpoint store and the snapshot: cheap, but kept off the event loop anyway.
        return HttpResponse.of(CompletableFuture.supplyAsync(() -> {
            final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
            try {
                writer.write(out, registry.scrape());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return HttpResponse.of(HttpStatus.OK, MediaType.parse(writer.getContentType()), out.toByteArray());
        }, ctx.blockingTaskExecutor()));
    }
}

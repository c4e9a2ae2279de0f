package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.config.ConfigLoader;
import dev.sluice.routing.ModelCatalog;
import dev.sluice.server.GatewayServer;
import dev.sluice.server.TestGateway;

/** GIE error codes, bounded error-detail and model labels, and the metric-naming setting. */
class LabelsAndCodesTest {

    /* --------------------------------------------------------------------------------- error codes */

    private static String code(RecordBuilder b) {
        return GieErrorCodes.of(b.build());
    }

    @Test
    void errorCodes_followGie() {
        assertThat(code(new RecordBuilder())).isNull();
        assertThat(code(new RecordBuilder().status(400).error("http_request_error; details=\"malformed_request\"")))
                .isEqualTo("BadRequest");
        assertThat(code(new RecordBuilder().status(413)
                                           .error("http_request_error; details=\"request_body_too_large\"")))
                .isEqualTo("BadRequest");
        assertThat(code(new RecordBuilder().status(0).error("http_request_error; details=\"client_disconnected\"")))
                .isNull();
        assertThat(code(new RecordBuilder().status(404).error("destination_not_found; details=\"no_route\"")))
                .isEqualTo("NotFound");
        assertThat(code(new RecordBuilder().status(429).error("http_request_denied; details=\"extension quota\"")))
                .isEqualTo("ResourceExhausted");
        assertThat(code(new RecordBuilder().status(403).error("http_request_denied; details=\"extension armor\"")))
                .isEqualTo("BadRequest");
        assertThat(code(new RecordBuilder().status(503)
                                           .error("destination_unavailable; details=\"failed_to_pick_backend\"")))
                .isEqualTo("ServiceUnavailable");
        assertThat(code(new RecordBuilder().status(503)
                                           .error("connection_refused; details=\"all_endpoints_refused\"")))
                .isEqualTo("ServiceUnavailable");
        assertThat(code(new RecordBuilder().status(500).error("proxy_internal_error; details=\"extension_failed x\"")))
                .isEqualTo("Internal");
        assertThat(code(new RecordBuilder().status(504).error("http_response_timeout"))).isEqualTo("ModelServerError");
        assertThat(code(new RecordBuilder().status(502)
                                           .error("connection_terminated; details=\"before_response_headers\"")))
                .isEqualTo("ModelServerError");
        assertThat(code(new RecordBuilder().status(200).error("http_response_incomplete; details=\"upstream_reset\"")))
                .isEqualTo("ModelServerError");
        // Statuses relayed from the model server: anything but 200 is the model server's error.
        assertThat(code(new RecordBuilder().status(500))).isEqualTo("ModelServerError");
        assertThat(code(new RecordBuilder().status(429))).isEqualTo("ModelServerError");
        assertThat(code(new RecordBuilder().status(400))).isEqualTo("ModelServerError");
        // Statuses the gateway's error handler made without an exchange detail.
        final RecordBuilder noEndpoint = new RecordBuilder();
        noEndpoint.endpoint = null;
        assertThat(code(noEndpoint.status(413))).isEqualTo("BadRequest");
        assertThat(code(noEndpoint.status(504))).isEqualTo("Internal");
        assertThat(code(noEndpoint.status(0))).isEqualTo("Unknown");
        assertThat(code(new RecordBuilder().status(500).error("something_new"))).isEqualTo("Unknown");
    }

    /* --------------------------------------------------------------------------------- error details */

    @Test
    void errorDetails_dropExtensionNamesAndCapUnknownValues() {
        final ErrorDetails d = new ErrorDetails();
        assertThat(d.label(null)).isNull();
        assertThat(d.label("http_request_denied; details=\"extension model-armor\""))
                .isEqualTo("http_request_denied; details=\"extension\"");
        assertThat(d.label("proxy_internal_error; details=\"extension_failed apigee\""))
                .isEqualTo("proxy_internal_error; details=\"extension_failed\"");
        assertThat(d.label("destination_unavailable; details=\"failed_to_pick_backend\""))
                .isEqualTo("destination_unavailable; details=\"failed_to_pick_backend\"");
        final Set<String> labels = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            labels.add(d.label("new_error; details=\"" + i + '"'));
        }
        assertThat(labels).hasSize(ErrorDetails.MAX_OTHER + 1).contains(ErrorDetails.OTHER);
        assertThat(d.label("new_error; details=\"0\"")).isEqualTo("new_error; details=\"0\"");
    }

    /* --------------------------------------------------------------------------------- model labels */

    @Test
    void modelLabels_areTheCatalogPlusABoundedNumberOfServedNames(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("g.yaml");
        Files.writeString(file, TestGateway.TWO_POOLS.replace("${PORT}", "18080"));
        final ModelCatalog catalog = ModelCatalog.of(ConfigLoader.load(file, GatewayServer.knownServices(
                new dev.sluice.extension.ExtensionRegistry())));
        final ModelLabels labels = new ModelLabels();
        assertThat(labels.label(null, catalog, false)).isEmpty();
        assertThat(labels.label("food-review", catalog, false)).isEqualTo("food-review");
        assertThat(labels.label("google/gemma-3-1b-it", catalog, false)).isEqualTo("google/gemma-3-1b-it");
        assertThat(labels.label("made-up", catalog, false)).isEqualTo(ModelLabels.UNKNOWN);
        // A name a pool served (path routing) is admitted, up to the cap, and stays admitted.
        assertThat(labels.label("served-by-path", catalog, true)).isEqualTo("served-by-path");
        assertThat(labels.label("served-by-path", catalog, false)).isEqualTo("served-by-path");
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            seen.add(labels.label("random-" + i, catalog, true));
        }
        assertThat(seen).hasSize(ModelLabels.MAX_SERVED_ONLY - 1 + 1).contains(ModelLabels.UNKNOWN);
    }

    /* --------------------------------------------------------------------------------- naming */

    @Test
    void metricNaming_parsesAndRejects() {
        assertThat(MetricNaming.parse("model")).isEqualTo(MetricNaming.MODEL);
        assertThat(MetricNaming.parse(" Objective ")).isEqualTo(MetricNaming.OBJECTIVE);
        assertThatThrownBy(() -> MetricNaming.parse("pool"))
                .hasMessage("metricsNames: pool (expected: model or objective)");
        assertThatThrownBy(() -> new ObserveOptions().traceSampleRatio(1.5))
                .hasMessage("traceSampleRatio: 1.5 (expected: 0..1)");
        assertThatThrownBy(() -> new ObserveOptions().otlpEndpoint("collector:4318"))
                .hasMessageStartingWith("otlpEndpoint: collector:4318");
        assertThatThrownBy(() -> new ObserveOptions().accessLogDefault(2_000_000))
                .hasMessage("accessLogDefault: 2000000 (expected: -1..1000000)");
        assertThat(ExchangeTracer.tracesUrl("http://127.0.0.1:4318")).isEqualTo("http://127.0.0.1:4318/v1/traces");
        assertThat(ExchangeTracer.tracesUrl("http://c:4318/")).isEqualTo("http://c:4318/v1/traces");
        assertThat(ExchangeTracer.tracesUrl("https://c/otlp/v1/traces")).isEqualTo("https://c/otlp/v1/traces");
    }
}

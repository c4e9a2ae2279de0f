package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.extension.ExtensionRegistry;

/** Per-route timeouts: {@code request} for the whole exchange, {@code backendRequest} for one upstream try. */
class TimeoutTest {

    @TempDir
    static Path dir;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start(dir, TestGateway.TWO_POOLS.replace(
                "backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: gemma}]",
                "backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: gemma}]\n" +
                "    timeouts: {request: 300ms}").replace(
                "backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: llama}]",
                "backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: llama}]\n" +
                "    timeouts: {backendRequest: 300ms}"), new ExtensionRegistry());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static AggregatedHttpResponse post(String model) {
        return gateway.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type",
                                                        MediaType.JSON, "x-request-id", "t-" + model.length()),
                                      "{\"model\":\"" + model + "\",\"prompt\":\"x\",\"max_tokens\":2}")
                      .aggregate().join();
    }

    @Test
    void requestTimeout_is504WithTheRequestId() {
        gateway.sim("gemma-0").faults().extraLatency(Duration.ofSeconds(2));
        try {
            final AggregatedHttpResponse r = post("google/gemma-3-1b-it");
            assertThat(r.status()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
            assertThat(r.contentUtf8()).contains("\"code\":\"request_timeout\"");
            assertThat(r.headers().get("x-request-id")).isEqualTo("t-20");
        } finally {
            gateway.sim("gemma-0").faults().reset();
        }
        // The route recovers once the server is quick again (retried: a loaded CI machine may stall one call).
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                                 .until(() -> post("google/gemma-3-1b-it").status() == HttpStatus.OK);
    }

    @Test
    void backendRequestTimeout_is504() {
        gateway.sim("llama-0").faults().extraLatency(Duration.ofSeconds(2));
        gateway.sim("llama-1").faults().extraLatency(Duration.ofSeconds(2));
        try {
            final AggregatedHttpResponse r = post("food-review");
            assertThat(r.status()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
            assertThat(r.contentUtf8()).contains("\"code\":\"upstream_timeout\"");
        } finally {
            gateway.sim("llama-0").faults().reset();
            gateway.sim("llama-1").faults().reset();
        }
    }
}

package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.TestGateway;

/** With the objective naming, the per-model family is {@code inference_objective_*} with {@code priority}. */
class ObjectiveNamingTest {

    @Test
    void objectiveNames_withPriority(@TempDir Path dir) throws Exception {
        final String yaml = TestGateway.TWO_POOLS + """
                ---
                apiVersion: inference.networking.x-k8s.io/v1alpha2
                kind: InferenceObjective
                metadata: {name: critical}
                spec:
                  priority: 5
                  poolRef: {name: llama}
                """;
        try (ObservedGateway gw = ObservedGateway.start(dir, yaml, new ExtensionRegistry(),
                                                        new ObserveOptions().metricNaming(MetricNaming.OBJECTIVE))) {
            assertThat(gw.post("obj-1", "/v1/completions", "{\"model\":\"food-review\",\"prompt\":\"x\"}",
                               "x-gateway-inference-objective", "critical").status()).isEqualTo(200);
            assertThat(gw.post("obj-2", "/v1/completions", "{\"model\":\"food-review\",\"prompt\":\"x\"}").status())
                    .isEqualTo(200);
            final Exposition e = gw.scrape();
            assertThat(e.types).containsEntry("inference_objective_request_total", "counter")
                               .containsEntry("inference_objective_request_duration_seconds", "histogram")
                               .containsEntry("inference_objective_running_requests", "gauge");
            assertThat(e.types.keySet()).noneMatch(n -> n.startsWith("inference_model_"));
            assertThat(e.labelNames("inference_objective_request_total"))
                    .containsExactlyInAnyOrder("model_name", "target_model_name", "priority");
            assertThat(e.sum("inference_objective_request_total", "model_name", "food-review", "priority", "5"))
                    .isEqualTo(1);
            assertThat(e.sum("inference_objective_request_total", "model_name", "food-review", "priority", "0"))
                    .isEqualTo(1);
            assertThat(e.labelNames("inference_objective_request_error_total")).isEmpty(); // no errors yet
        }
    }
}

package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.eventually;
import static dev.sluice.simulator.TestHttp.json;
import static dev.sluice.simulator.TestHttp.metric;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Serves the step-driven engine with a hardware profile over HTTP, faster than real time.
 */
class ProfileServingTest {

    private static final String LABELS = "{model_name=\"m\",engine=\"0\"}";

    @Test
    void repeatedPrefixReportsCachedTokensAndRunningRequestsShowInKvUsage() {
        try (SimulatorServer server = SimulatorServer.start(
                SimulatorConfig.builder("m").profile(SimulatorProfile.LLAMA_8B_H100).kvCacheBlocks(1000)
                               .outputTokens(4000).timeCompression(10).build(), "127.0.0.1", 0)) {
            final TestHttp http = new TestHttp(server);
            // 2000 characters = 500 tokens = 31 full blocks and a partial one.
            final String prefix = "Sluice routes each request to the pod that already holds its prefix. ".repeat(30)
                                                                                                     .substring(0, 2000);
            final JsonNode first = json(http.post("/v1/completions", "{\"prompt\":\"" + prefix +
                                                                     "\",\"max_tokens\":4}").body());
            assertThat(first.path("usage").path("prompt_tokens").intValue()).isEqualTo(500);
            assertThat(first.path("usage").path("prompt_tokens_details").path("cached_tokens").intValue()).isZero();
            final JsonNode second = json(http.post("/v1/completions", "{\"prompt\":\"" + prefix +
                                                                      " What next?\",\"max_tokens\":4}").body());
            assertThat(second.path("usage").path("prompt_tokens").intValue()).isEqualTo(503);
            assertThat(second.path("usage").path("prompt_tokens_details").path("cached_tokens").intValue())
                    .isEqualTo(31 * 16);

            String body = http.get("/metrics").body();
            assertThat(metric(body, "vllm:prefix_cache_queries_total" + LABELS)).isEqualTo(1003.0);
            assertThat(metric(body, "vllm:prefix_cache_hits_total" + LABELS)).isEqualTo(496.0);
            // Finished requests leave their blocks cached but free: no usage.
            assertThat(metric(body, "vllm:kv_cache_usage_perc" + LABELS)).isZero();
            assertThat(body).contains("num_gpu_blocks=\"1000\"");

            // A long generation on the same prefix holds its 32 blocks, and more as it decodes.
            try (RawStream stream = new RawStream(server, "/v1/completions",
                                                  "{\"prompt\":\"" + prefix + "\",\"stream\":true}")) {
                assertThat(stream.readLineStartingWith("data: ")).isNotNull();
                body = http.get("/metrics").body();
                assertThat(metric(body, "vllm:num_requests_running" + LABELS)).isEqualTo(1.0);
                assertThat(metric(body, "vllm:kv_cache_usage_perc" + LABELS)).isBetween(32 / 1000.0, 0.3);
            }
            eventually().untilAsserted(() -> assertThat(
                    metric(http.get("/metrics").body(), "vllm:kv_cache_usage_perc" + LABELS)).isZero());
        }
    }

    @Test
    void timeCompressionRunsEngineTimeFasterThanRealTime() {
        try (SimulatorServer server = SimulatorServer.start(
                SimulatorConfig.builder("m").profile(SimulatorProfile.QWEN3_32B_TP2_H100).timeCompression(50)
                               .build(), "127.0.0.1", 0)) {
            final TestHttp http = new TestHttp(server);
            // 8192 tokens: one full chunk, about 0.43 s of engine time with the overhead (llm-d: 0.40 s).
            final long started = System.nanoTime();
            final JsonNode body = json(http.post("/v1/completions", "{\"prompt\":\"" + "z".repeat(4 * 8192) +
                                                                    "\",\"max_tokens\":1}").body());
            final Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            assertThat(body.path("usage").path("prompt_tokens").intValue()).isEqualTo(8192);
            final String metrics = http.get("/metrics").body();
            final double ttft = metric(metrics, "vllm:time_to_first_token_seconds_sum" + LABELS);
            assertThat(ttft).isBetween(0.38, 0.50);
            assertThat(elapsed).isLessThan(Duration.ofMillis(380));
        }
    }
}

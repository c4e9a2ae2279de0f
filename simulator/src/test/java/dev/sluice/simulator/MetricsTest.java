package dev.sluice.simulator;

import static dev.sluice.simulator.TestHttp.metric;
import static dev.sluice.simulator.TestHttp.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class MetricsTest {

    private static final String RUNNING = "vllm:num_requests_running{model_name=\"m\",engine=\"0\"}";
    private static final String WAITING = "vllm:num_requests_waiting{model_name=\"m\",engine=\"0\"}";
    private static final String KV_USAGE = "vllm:kv_cache_usage_perc{model_name=\"m\",engine=\"0\"}";

    /** Long enough to observe mid-stream; tests end these streams by disconnecting. */
    private static SimulatorConfig.Builder slow() {
        return SimulatorConfig.builder("m")
                              .timeToFirstToken(Duration.ofMillis(1))
                              .interTokenLatency(Duration.ofMillis(50))
                              .outputTokens(400);
    }

    @Test
    void exposesVllmMetricNamesWithHelpAndType() {
        try (SimulatorServer server = SimulatorServer.start(
                SimulatorConfig.builder("m").loraAdapters(List.of("a")).timeToFirstToken(Duration.ZERO)
                               .interTokenLatency(Duration.ZERO).outputTokens(3).build(), "127.0.0.1", 0)) {
            final TestHttp http = new TestHttp(server);
            http.post("/v1/completions", "{\"prompt\":\"abcdefgh\"}");
            http.post("/v1/completions", "{\"prompt\":\"abcdefgh\",\"max_tokens\":2}");

            final HttpResponse<String> res = http.get("/metrics");
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
            final String body = res.body();
            for (String name : List.of("vllm:num_requests_running", "vllm:num_requests_waiting",
                                       "vllm:kv_cache_usage_perc", "vllm:lora_requests_info",
                                       "vllm:cache_config_info")) {
                assertThat(body).contains("# HELP " + name + ' ', "# TYPE " + name + " gauge\n");
            }
            for (String name : List.of("vllm:prompt_tokens_total", "vllm:generation_tokens_total",
                                       "vllm:request_success_total", "vllm:prefix_cache_queries_total",
                                       "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total")) {
                assertThat(body).contains("# TYPE " + name + " counter\n");
            }
            for (String name : List.of("vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds",
                                       "vllm:inter_token_latency_seconds", "vllm:request_queue_time_seconds")) {
                assertThat(body).contains("# TYPE " + name + " histogram\n", name + "_bucket{", name + "_sum{");
            }
            final String labels = "{model_name=\"m\",engine=\"0\"}";
            assertThat(metric(body, "vllm:time_to_first_token_seconds_count" + labels)).isEqualTo(2.0);
            assertThat(metric(body, "vllm:e2e_request_latency_seconds_count" + labels)).isEqualTo(2.0);
            assertThat(metric(body, "vllm:e2e_request_latency_seconds_bucket{model_name=\"m\",engine=\"0\"," +
                                    "le=\"+Inf\"}")).isEqualTo(2.0);
            // Two tokens after the first of the one request, one of the other.
            assertThat(metric(body, "vllm:inter_token_latency_seconds_count" + labels)).isEqualTo(3.0);
            assertThat(metric(body, "vllm:prompt_tokens_total{model_name=\"m\",engine=\"0\"}")).isEqualTo(4.0);
            assertThat(metric(body, "vllm:generation_tokens_total{model_name=\"m\",engine=\"0\"}")).isEqualTo(5.0);
            assertThat(metric(body, "vllm:request_success_total{model_name=\"m\",engine=\"0\"," +
                                    "finished_reason=\"stop\"}")).isEqualTo(1.0);
            assertThat(metric(body, "vllm:request_success_total{model_name=\"m\",engine=\"0\"," +
                                    "finished_reason=\"length\"}")).isEqualTo(1.0);
            assertThat(metric(body, RUNNING)).isZero();
            assertThat(metric(body, WAITING)).isZero();
            assertThat(metric(body, KV_USAGE)).isZero();
            assertThat(body).contains("vllm:cache_config_info{block_size=\"16\",")
                            .contains("enable_prefix_caching=\"True\"")
                            .contains("num_gpu_blocks=\"8192\"");
            assertThat(body).containsPattern(
                    "vllm:lora_requests_info\\{max_lora=\"4\",waiting_lora_adapters=\"\"," +
                    "running_lora_adapters=\"\"} \\d\\.\\d+E9\n");
        }
    }

    @Test
    void noLoraInfoWithoutAdapters() {
        try (SimulatorServer server = SimulatorServer.start(SimulatorConfig.builder("m").build(), "127.0.0.1", 0)) {
            assertThat(new TestHttp(server).get("/metrics").body()).doesNotContain("vllm:lora_requests_info");
        }
    }

    @Test
    void reflectsRunningRequestsDuringSlowStream() {
        try (SimulatorServer server = SimulatorServer.start(slow().loraAdapters(List.of("sql-lora")).build(),
                                                            "127.0.0.1", 0)) {
            final TestHttp http = new TestHttp(server);
            // 400 characters = 100 prompt tokens.
            try (RawStream stream = new RawStream(server, "/v1/completions",
                                                  "{\"model\":\"sql-lora\",\"prompt\":\"" + "x".repeat(400) +
                                                  "\",\"stream\":true}")) {
                assertThat(stream.readLineStartingWith("data: ")).contains("\"text_completion\"");
                final String body = http.get("/metrics").body();
                assertThat(metric(body, RUNNING)).isEqualTo(1.0);
                assertThat(metric(body, WAITING)).isZero();
                // As in vLLM, blocks are allocated as tokens are computed, not for the whole output up front:
                // 100 prompt tokens and the first output token, being computed, take 7 blocks of 16.
                assertThat(metric(body, KV_USAGE)).isEqualTo(7.0 / 8192);
                assertThat(body).contains("running_lora_adapters=\"sql-lora\"");
            }
            eventually().untilAsserted(() -> {
                final String body = http.get("/metrics").body();
                assertThat(metric(body, RUNNING)).isZero();
                assertThat(metric(body, KV_USAGE)).isZero();
                assertThat(metric(body, "vllm:request_success_total{model_name=\"m\",engine=\"0\"," +
                                        "finished_reason=\"abort\"}")).isEqualTo(1.0);
            });
        }
    }

    @Test
    void queuesRequestsThatDoNotFitTheKvCache() {
        // 4 blocks of 16 tokens; a 33-token prompt takes 3 blocks (and with 15 output tokens never more), so only
        // one request runs. (Before the step-driven engine, a request reserved blocks for its whole output.)
        try (SimulatorServer server = SimulatorServer.start(
                slow().kvCacheBlocks(4).outputTokens(15).interTokenLatency(Duration.ofMillis(200)).build(),
                "127.0.0.1", 0)) {
            final TestHttp http = new TestHttp(server);
            try (RawStream first = new RawStream(server, "/v1/completions",
                                                 "{\"prompt\":\"" + "a".repeat(132) + "\",\"stream\":true}")) {
                assertThat(first.readLineStartingWith("data: ")).isNotNull();
                try (RawStream second = new RawStream(server, "/v1/completions",
                                                      "{\"prompt\":\"" + "b".repeat(132) + "\",\"stream\":true}")) {
                    eventually().untilAsserted(() -> {
                        final String body = http.get("/metrics").body();
                        assertThat(metric(body, RUNNING)).isEqualTo(1.0);
                        assertThat(metric(body, WAITING)).isEqualTo(1.0);
                        assertThat(metric(body, KV_USAGE)).isEqualTo(0.75);
                    });
                    first.close();
                    // The waiting request is admitted once the first one's blocks are free.
                    assertThat(second.readLineStartingWith("data: ")).isNotNull();
                    final String body = http.get("/metrics").body();
                    assertThat(metric(body, RUNNING)).isEqualTo(1.0);
                    assertThat(metric(body, WAITING)).isZero();
                }
            }
        }
    }

    @Test
    void queuesRequestsForAdaptersBeyondMaxLoras() {
        try (SimulatorServer server = SimulatorServer.start(
                slow().loraAdapters(List.of("lora-a", "lora-b")).maxLoras(1).build(), "127.0.0.1", 0)) {
            final TestHttp http = new TestHttp(server);
            try (RawStream a = new RawStream(server, "/v1/completions",
                                             "{\"model\":\"lora-a\",\"prompt\":\"a\",\"stream\":true}")) {
                assertThat(a.readLineStartingWith("data: ")).isNotNull();
                try (RawStream b = new RawStream(server, "/v1/completions",
                                                 "{\"model\":\"lora-b\",\"prompt\":\"b\",\"stream\":true}");
                     RawStream base = new RawStream(server, "/v1/completions",
                                                    "{\"model\":\"m\",\"prompt\":\"c\",\"stream\":true}")) {
                    // The base model needs no adapter slot and is admitted past the waiting lora-b request.
                    assertThat(base.readLineStartingWith("data: ")).isNotNull();
                    eventually().untilAsserted(() -> {
                        final String body = http.get("/metrics").body();
                        assertThat(body).contains("vllm:lora_requests_info{max_lora=\"1\"," +
                                                  "waiting_lora_adapters=\"lora-b\"," +
                                                  "running_lora_adapters=\"lora-a\"}");
                        assertThat(metric(body, RUNNING)).isEqualTo(2.0);
                        assertThat(metric(body, WAITING)).isEqualTo(1.0);
                    });
                    a.close();
                    assertThat(b.readLineStartingWith("data: ")).contains("\"model\":\"lora-b\"");
                    assertThat(http.get("/metrics").body()).contains("waiting_lora_adapters=\"\"," +
                                                                     "running_lora_adapters=\"lora-b\"}");
                }
            }
        }
    }
}

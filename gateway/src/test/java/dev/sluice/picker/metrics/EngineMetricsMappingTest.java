package dev.sluice.picker.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class EngineMetricsMappingTest {

    @Test
    void vllm_readsCurrentNames_loraAndCacheInfo() {
        final ModelServerMetrics m = EngineMetricsMapping.VLLM.parse(Fixtures.read("vllm-0.10.txt"));
        assertThat(m.waitingRequests()).isEqualTo(7);
        assertThat(m.runningRequests()).isEqualTo(23);
        assertThat(m.kvCacheUsage()).isEqualTo(0.8134765625);
        // Of the four lora_requests_info series, the one updated last (largest value) wins.
        assertThat(m.runningLoraAdapters()).containsExactly("sql-lora", "tweet-lora");
        assertThat(m.waitingLoraAdapters()).containsExactly("chat-lora");
        assertThat(m.maxLoras()).isEqualTo(4);
        assertThat(m.kvCacheBlocks()).isEqualTo(27910);
        assertThat(m.blockSize()).isEqualTo(16);
    }

    @Test
    void vllm_fallsBackToGpuCacheUsagePerc() {
        final ModelServerMetrics m = EngineMetricsMapping.VLLM.parse(Fixtures.read("vllm-0.8-gpu-cache.txt"));
        assertThat(m.kvCacheUsage()).isEqualTo(0.125);
        assertThat(m.runningRequests()).isEqualTo(4);
        assertThat(m.waitingRequests()).isZero();
        assertThat(m.kvCacheBlocks()).isEqualTo(6211);
        assertThat(m.blockSize()).isEqualTo(32);
        assertThat(m.runningLoraAdapters()).isEmpty();
        assertThat(m.maxLoras()).isZero(); // LoRA not enabled: not reported
    }

    @Test
    void vllm_prefersKvCacheUsagePerc_whenBothArePresent() {
        final ModelServerMetrics m = EngineMetricsMapping.VLLM.parse("""
                vllm:gpu_cache_usage_perc{engine="0"} 0.9
                vllm:kv_cache_usage_perc{engine="0"} 0.3
                """);
        assertThat(m.kvCacheUsage()).isEqualTo(0.3);
    }

    @Test
    void vllm_fallsBack_whenPreferredMetricIsNaN() {
        final ModelServerMetrics m = EngineMetricsMapping.VLLM.parse("""
                vllm:kv_cache_usage_perc{engine="0"} NaN
                vllm:gpu_cache_usage_perc{engine="0"} 0.6
                """);
        assertThat(m.kvCacheUsage()).isEqualTo(0.6);
    }

    @Test
    void vllm_sumsQueuesAndAveragesKvOverDataParallelEngines() {
        final ModelServerMetrics m = EngineMetricsMapping.VLLM.parse("""
                vllm:num_requests_waiting{engine="0",model_name="m"} 3.0
                vllm:num_requests_waiting{engine="1",model_name="m"} 5.0
                vllm:num_requests_running{engine="0",model_name="m"} 10.0
                vllm:num_requests_running{engine="1",model_name="m"} 12.0
                vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.2
                vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.6
                """);
        assertThat(m.waitingRequests()).isEqualTo(8);
        assertThat(m.runningRequests()).isEqualTo(22);
        assertThat(m.kvCacheUsage()).isEqualTo(0.4, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void vllm_clampsOutOfRangeValues_andReadsMissingAsUnknown() {
        final ModelServerMetrics m = EngineMetricsMapping.VLLM.parse("""
                vllm:num_requests_waiting -2
                vllm:kv_cache_usage_perc 1.7
                vllm:cache_config_info{block_size="None",num_gpu_blocks="oops"} 1.0
                """);
        assertThat(m.waitingRequests()).isZero();
        assertThat(m.kvCacheUsage()).isEqualTo(1.0);
        assertThat(m.runningRequests()).isNaN();
        assertThat(m.blockSize()).isZero();
        assertThat(m.kvCacheBlocks()).isZero();
        assertThat(m.hasLoad()).isTrue();
    }

    @Test
    void vllm_readsNothingFromAnotherEnginesPage() {
        final ModelServerMetrics m = EngineMetricsMapping.VLLM.parse(Fixtures.read("sglang.txt"));
        assertThat(m.hasLoad()).isFalse();
        assertThat(m).isEqualTo(ModelServerMetrics.UNKNOWN);
    }

    @Test
    void sglang_collapsesTensorParallelRanks() {
        final ModelServerMetrics m = EngineMetricsMapping.SGLANG.parse(Fixtures.read("sglang.txt"));
        // tp_rank 0 and 1 are one scheduler: 12 running, not 24.
        assertThat(m.runningRequests()).isEqualTo(12);
        assertThat(m.waitingRequests()).isEqualTo(5);
        assertThat(m.kvCacheUsage()).isEqualTo(0.43);
        assertThat(m.blockSize()).isEqualTo(1);
        assertThat(m.kvCacheBlocks()).isEqualTo(280064);
        assertThat(m.runningLoraAdapters()).isEmpty();
    }

    @Test
    void sglang_sumsDataParallelRanks_andReadsTotalsOverPriorityBreakdowns() {
        final ModelServerMetrics m = EngineMetricsMapping.SGLANG.parse("""
                sglang:num_running_reqs{dp_rank="0",tp_rank="0",priority=""} 14.0
                sglang:num_running_reqs{dp_rank="0",tp_rank="0",priority="1"} 10.0
                sglang:num_running_reqs{dp_rank="0",tp_rank="0",priority="-5"} 4.0
                sglang:num_running_reqs{dp_rank="1",tp_rank="0",priority=""} 6.0
                sglang:num_running_reqs{dp_rank="1",tp_rank="1",priority=""} 6.0
                sglang:num_queue_reqs{dp_rank="0",priority="1"} 2.0
                sglang:num_queue_reqs{dp_rank="0",priority="2"} 3.0
                """);
        assertThat(m.runningRequests()).isEqualTo(20); // 14 (dp 0 total) + 6 (dp 1, two tp ranks)
        assertThat(m.waitingRequests()).isEqualTo(5); // breakdowns only: summed
    }

    @Test
    void sglang_readsCacheConfigInfoLabels_ofOlderVersions() {
        final ModelServerMetrics m = EngineMetricsMapping.SGLANG.parse("""
                sglang:num_running_reqs{model_name="m"} 1
                sglang:cache_config_info{model_name="m",num_pages="70000",page_size="16"} 1
                """);
        assertThat(m.blockSize()).isEqualTo(16);
        assertThat(m.kvCacheBlocks()).isEqualTo(70000);
    }

    @Test
    void triton_readsRequestAndBlockMetricsByLabel() {
        final ModelServerMetrics m = EngineMetricsMapping.TRITON_TRTLLM.parse(Fixtures.read("triton-trtllm.txt"));
        assertThat(m.waitingRequests()).isEqualTo(3);
        assertThat(m.runningRequests()).isEqualTo(9); // request_type="scheduled"
        assertThat(m.kvCacheUsage()).isEqualTo(0.4875);
        assertThat(m.blockSize()).isEqualTo(64);
        assertThat(m.kvCacheBlocks()).isEqualTo(6239);
        assertThat(m.maxLoras()).isZero();
    }

    @Test
    void triton_computesKvUsageFromBlocks_whenFractionIsMissing() {
        final ModelServerMetrics m = EngineMetricsMapping.TRITON_TRTLLM.parse("""
                nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="scheduled",version="1"} 1
                nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="used",model="tensorrt_llm",version="1"} 1500
                nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="tensorrt_llm",version="1"} 6000
                """);
        assertThat(m.kvCacheUsage()).isEqualTo(0.25);
        assertThat(m.waitingRequests()).isNaN();
    }

    @Test
    void trtllmServe_readsItsGauges() {
        final ModelServerMetrics m = EngineMetricsMapping.TRTLLM_SERVE.parse("""
                # TYPE trtllm_num_requests_waiting gauge
                trtllm_num_requests_waiting{model_name="llama"} 2
                trtllm_num_requests_running{model_name="llama"} 30
                trtllm_kv_cache_utilization{model_name="llama"} 0.5
                trtllm_kv_cache_tokens_per_block{model_name="llama"} 32
                trtllm_kv_cache_max_blocks{model_name="llama"} 9000
                """);
        assertThat(m).isEqualTo(new ModelServerMetrics(2, 30, 0.5, java.util.List.of(), java.util.List.of(), 0,
                                                       9000, 32));
    }

    @Test
    void selectsByEndpointLabel_thenPoolSetting_thenVllm() {
        assertThat(EngineMetricsMapping.select(Map.of(EngineMetricsMapping.ENGINE_LABEL, "sglang"), "vllm"))
                .isSameAs(EngineMetricsMapping.SGLANG);
        assertThat(EngineMetricsMapping.select(Map.of("app", "x"), "Triton-TensorRT-LLM "))
                .isSameAs(EngineMetricsMapping.TRITON_TRTLLM);
        assertThat(EngineMetricsMapping.select(Map.of(EngineMetricsMapping.ENGINE_LABEL, " "), null))
                .isSameAs(EngineMetricsMapping.VLLM);
        assertThat(EngineMetricsMapping.select(Map.of(), null)).isSameAs(EngineMetricsMapping.VLLM);
        assertThat(EngineMetricsMapping.forName("trtllm-serve")).isSameAs(EngineMetricsMapping.TRTLLM_SERVE);
    }

    @Test
    void rejectsUnknownEngines_namingTheChoices() {
        assertThatThrownBy(() -> EngineMetricsMapping.forName("tgi"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("engine: 'tgi' (expected: one of [vllm, sglang, trtllm-serve, triton-tensorrt-llm])");
        assertThatThrownBy(() -> EngineMetricsMapping.select(
                Map.of(EngineMetricsMapping.ENGINE_LABEL, "ollama"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("label inference.networking.k8s.io/engine-type: 'ollama' (expected: one of");
    }

    @Test
    void customMappingsUseSelectorSyntax() {
        final EngineMetricsMapping custom = EngineMetricsMapping.builder("my-engine")
                                                                .waitingRequests("q{kind=\"waiting\"}", "q_old")
                                                                .kvCacheUsage("kv")
                                                                .build();
        assertThat(custom.metricNames()).containsExactly("q", "q_old", "kv");
        assertThat(custom.parse("q{kind=\"waiting\"} 4\nq{kind=\"running\"} 9\nkv 0.1\n").waitingRequests())
                .isEqualTo(4);
        assertThat(custom.parse("q_old 2\n").waitingRequests()).isEqualTo(2);
        assertThatThrownBy(() -> EngineMetricsMapping.builder("x").waitingRequests("bad name"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: name or name{label=value,...}");
    }
}

/**
 * A vLLM-like model-server simulator: the OpenAI completions, chat, embeddings and models APIs with server-sent
 * events, vLLM's Prometheus metrics, a simple engine (waiting and running requests, KV blocks, LoRA slots, prefix
 * hits) and fault switches, for the gateway's tests, quickstart, demos and benchmarks.
 *
 * <p>Start one with {@link dev.sluice.simulator.SimulatorServer#start(SimulatorConfig, String, int)}; replace
 * its timing with a {@link dev.sluice.simulator.TimingModel}.
 */
@NullMarked
package dev.sluice.simulator;

import org.jspecify.annotations.NullMarked;

/**
 * A vLLM-like model-server simulator: the OpenAI completions, chat, embeddings and models APIs with server-sent
 * events, vLLM's Prometheus metrics, a step-driven continuous-batching engine (KV blocks with prefix caching,
 * chunked prefill, preemption, LoRA slots) and fault switches, for the gateway's tests, quickstart, demos and
 * benchmarks.
 *
 * <p>Start one with {@link dev.sluice.simulator.SimulatorServer#start(SimulatorConfig, String, int)}. By default its
 * engine steps take fixed latencies ({@link dev.sluice.simulator.FixedTimingModel}); choose a
 * {@link dev.sluice.simulator.SimulatorProfile} for step times computed from the work of each step, and a time
 * compression to run faster than real time. {@code dev.sluice.simulator.des} runs the same engine in virtual time,
 * without sockets.
 */
@NullMarked
package dev.sluice.simulator;

import org.jspecify.annotations.NullMarked;

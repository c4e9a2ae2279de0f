package dev.sluice.simulator;

import java.util.List;

/**
 * Captures the state of a simulated engine at one instant: its queues, its KV cache and its LoRA adapters.
 *
 * <p>As in vLLM, a request of several prompts counts once per prompt.
 *
 * @param waitingRequests requests received but not yet admitted, and preempted ones waiting to resume
 * @param runningRequests requests admitted and generating
 * @param kvBlocksInUse KV cache blocks held by running requests; free blocks that still cache a prefix do not
 *                      count
 * @param kvBlocksTotal all KV cache blocks
 * @param runningLoraAdapters distinct LoRA adapters of running requests, in admission order
 * @param waitingLoraAdapters distinct LoRA adapters of waiting requests, in arrival order
 */
public record EngineSnapshot(int waitingRequests, int runningRequests, int kvBlocksInUse, int kvBlocksTotal,
                             List<String> runningLoraAdapters, List<String> waitingLoraAdapters) {

    public EngineSnapshot {
        runningLoraAdapters = List.copyOf(runningLoraAdapters);
        waitingLoraAdapters = List.copyOf(waitingLoraAdapters);
    }

    /**
     * Returns the fraction of KV cache blocks in use, from {@code 0} to {@code 1}, as vLLM's
     * {@code vllm:kv_cache_usage_perc} reports it.
     */
    public double kvCacheUsage() {
        return kvBlocksTotal == 0 ? 0 : (double) kvBlocksInUse / kvBlocksTotal;
    }
}

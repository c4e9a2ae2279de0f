package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Describes the load a model server reported in one scrape, in engine-independent terms.
 *
 * <p>Unknown numbers are {@code NaN} for the {@code double} fields and {@code 0} for the integer ones (no engine
 * reports zero LoRA slots, blocks or block size); unknown adapter lists are empty.
 *
 * @param waitingRequests requests queued and not yet scheduled (vLLM {@code num_requests_waiting})
 * @param runningRequests requests in the running batch (vLLM {@code num_requests_running})
 * @param kvCacheUsage the fraction of the KV cache in use, from {@code 0} to {@code 1}
 * @param runningLoraAdapters the LoRA adapters with requests running, as vLLM's {@code lora_requests_info} lists them
 * @param waitingLoraAdapters the LoRA adapters with requests waiting
 * @param maxLoras how many LoRA adapters may be loaded at once ({@code 0}: not reported)
 * @param kvCacheBlocks the KV cache capacity in blocks ({@code 0}: not reported)
 * @param blockSize the number of tokens per KV cache block ({@code 0}: not reported)
 */
public record ModelServerMetrics(double waitingRequests, double runningRequests, double kvCacheUsage,
                                 List<String> runningLoraAdapters, List<String> waitingLoraAdapters,
                                 int maxLoras, long kvCacheBlocks, int blockSize) {

    /** Metrics of a server that reported nothing. */
    public static final ModelServerMetrics UNKNOWN =
            new ModelServerMetrics(Double.NaN, Double.NaN, Double.NaN, List.of(), List.of(), 0, 0, 0);

    public ModelServerMetrics {
        runningLoraAdapters = List.copyOf(requireNonNull(runningLoraAdapters, "runningLoraAdapters"));
        waitingLoraAdapters = List.copyOf(requireNonNull(waitingLoraAdapters, "waitingLoraAdapters"));
        if (maxLoras < 0) {
            throw new IllegalArgumentException("maxLoras: " + maxLoras + " (expected: >= 0)");
        }
        if (kvCacheBlocks < 0) {
            throw new IllegalArgumentException("kvCacheBlocks: " + kvCacheBlocks + " (expected: >= 0)");
        }
        if (blockSize < 0) {
            throw new IllegalArgumentException("blockSize: " + blockSize + " (expected: >= 0)");
        }
    }

    /** Returns whether at least one of the queue, running and KV cache numbers is known. */
    public boolean hasLoad() {
        return !Double.isNaN(waitingRequests) || !Double.isNaN(runningRequests) || !Double.isNaN(kvCacheUsage);
    }
}

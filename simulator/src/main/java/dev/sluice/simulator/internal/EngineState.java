package dev.sluice.simulator.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.GenerationRequest;
import dev.sluice.simulator.SimulatorConfig;

/**
 * Holds what a vLLM engine would know about its requests: who waits, who runs, how many KV blocks and which
 * LoRA adapters they hold, and the prefix cache. The metrics and the timing model read it.
 *
 * <p>Admission follows vLLM's scheduler in spirit: first come, first served; a request whose LoRA adapter would
 * exceed {@code maxLoras} is skipped and stays waiting; a request that does not fit the free KV blocks stops
 * admission (head-of-line). Unlike vLLM, a request reserves the blocks for its whole output when admitted, so
 * nothing is ever preempted; the step-driven engine that replaces {@link dev.sluice.simulator.FixedTimingModel}
 * allocates per step and preempts instead.
 */
final class EngineState {

    /** Hears that a waiting request was admitted; called without locks held, on any thread. */
    interface AdmissionListener {
        void admitted(GenerationRequest request);
    }

    /** One request's place in the engine. */
    static final class Ticket {
        final String model;
        final @Nullable String loraAdapter;
        final List<Prompt> prompts;
        final int promptTokens;
        final int outputTokens;
        final int blocks;
        final AdmissionListener listener;
        // Guarded by the engine's lock.
        boolean running;
        boolean released;

        Ticket(String model, @Nullable String loraAdapter, List<Prompt> prompts, int promptTokens,
               int outputTokens, int blocks, AdmissionListener listener) {
            this.model = model;
            this.loraAdapter = loraAdapter;
            this.prompts = prompts;
            this.promptTokens = promptTokens;
            this.outputTokens = outputTokens;
            this.blocks = blocks;
            this.listener = listener;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final int blockSize;
    private final int totalBlocks;
    private final int maxLoras;
    private final SimulatorMetrics metrics;
    private final PrefixCache prefixCache;
    private final LinkedHashSet<Ticket> waiting = new LinkedHashSet<>();
    private final LinkedHashSet<Ticket> running = new LinkedHashSet<>();
    // Adapter name -> running requests on it, in the order adapters were first loaded.
    private final Map<String, Integer> runningLoras = new LinkedHashMap<>();
    private int blocksInUse;

    EngineState(SimulatorConfig config, SimulatorMetrics metrics) {
        blockSize = config.blockSize();
        totalBlocks = config.kvCacheBlocks();
        maxLoras = config.maxLoras();
        this.metrics = metrics;
        prefixCache = new PrefixCache(config.kvCacheBlocks());
    }

    /**
     * Returns the KV blocks a request needs for its prompts and all of its output.
     */
    long blocksFor(List<Prompt> prompts, int outputTokens) {
        long blocks = 0;
        for (Prompt prompt : prompts) {
            blocks += ((long) prompt.tokens() + outputTokens + blockSize - 1) / blockSize;
        }
        return blocks;
    }

    int totalBlocks() {
        return totalBlocks;
    }

    /**
     * Queues a request, admitting it (and notifying the listener) right away if it fits. The request must fit
     * the whole cache, see {@link #blocksFor(List, int)}.
     */
    Ticket submit(String model, @Nullable String loraAdapter, List<Prompt> prompts, int outputTokens,
                  AdmissionListener listener) {
        int promptTokens = 0;
        for (Prompt prompt : prompts) {
            promptTokens += prompt.tokens();
        }
        final long blocks = blocksFor(prompts, outputTokens);
        if (blocks > totalBlocks) {
            throw new IllegalArgumentException("blocks: " + blocks + " (expected: <= " + totalBlocks + ')');
        }
        final Ticket ticket = new Ticket(model, loraAdapter, List.copyOf(prompts), promptTokens, outputTokens,
                                         (int) blocks, listener);
        final List<Admission> admitted;
        lock.lock();
        try {
            waiting.add(ticket);
            admitted = admitWaiting();
        } finally {
            lock.unlock();
        }
        notify(admitted);
        return ticket;
    }

    /**
     * Removes a finished or abandoned request, freeing its blocks and admitting whoever now fits.
     * Releasing twice does nothing.
     */
    void release(Ticket ticket) {
        final List<Admission> admitted;
        lock.lock();
        try {
            if (ticket.released) {
                return;
            }
            ticket.released = true;
            if (ticket.running) {
                running.remove(ticket);
                blocksInUse -= ticket.blocks;
                if (ticket.loraAdapter != null) {
                    runningLoras.computeIfPresent(ticket.loraAdapter,
                                                  (name, count) -> count == 1 ? null : count - 1);
                }
            } else {
                // A waiting request may have been the head blocking everyone behind it.
                waiting.remove(ticket);
            }
            admitted = admitWaiting();
        } finally {
            lock.unlock();
        }
        notify(admitted);
    }

    EngineSnapshot snapshot() {
        lock.lock();
        try {
            final LinkedHashSet<String> waitingLoras = new LinkedHashSet<>();
            for (Ticket ticket : waiting) {
                if (ticket.loraAdapter != null) {
                    waitingLoras.add(ticket.loraAdapter);
                }
            }
            return new EngineSnapshot(waiting.size(), running.size(), blocksInUse, totalBlocks,
                                      new ArrayList<>(runningLoras.keySet()), new ArrayList<>(waitingLoras));
        } finally {
            lock.unlock();
        }
    }

    private record Admission(Ticket ticket, GenerationRequest request) {}

    private List<Admission> admitWaiting() {
        List<Admission> admitted = List.of();
        for (Iterator<Ticket> it = waiting.iterator(); it.hasNext();) {
            final Ticket ticket = it.next();
            final String lora = ticket.loraAdapter;
            if (lora != null && !runningLoras.containsKey(lora) && runningLoras.size() >= maxLoras) {
                // vLLM skips requests whose adapter has no free slot and keeps looking.
                continue;
            }
            if (blocksInUse + ticket.blocks > totalBlocks) {
                break;
            }
            it.remove();
            ticket.running = true;
            running.add(ticket);
            blocksInUse += ticket.blocks;
            if (lora != null) {
                runningLoras.merge(lora, 1, Integer::sum);
            }
            final int cachedTokens = lookUpPrefixes(ticket);
            if (admitted.isEmpty()) {
                admitted = new ArrayList<>(1);
            }
            admitted.add(new Admission(ticket, new GenerationRequest(
                    ticket.model, lora, ticket.promptTokens, cachedTokens, ticket.outputTokens)));
        }
        return admitted;
    }

    private int lookUpPrefixes(Ticket ticket) {
        final long salt = ticket.loraAdapter == null ? 0 : ticket.loraAdapter.hashCode();
        int cachedTokens = 0;
        for (Prompt prompt : ticket.prompts) {
            final int hitBlocks = prefixCache.lookUpAndInsert(prompt.blockHashes(blockSize, salt));
            // vLLM always computes the last prompt token, so at most n - 1 tokens come from the cache.
            cachedTokens += Math.min(hitBlocks * blockSize, prompt.tokens() - 1);
        }
        metrics.prefixCacheQueried(ticket.promptTokens, cachedTokens);
        return cachedTokens;
    }

    private static void notify(List<Admission> admitted) {
        for (Admission admission : admitted) {
            admission.ticket().listener.admitted(admission.request());
        }
    }
}

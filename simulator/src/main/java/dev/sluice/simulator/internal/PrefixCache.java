package dev.sluice.simulator.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the hashes of recently computed KV blocks, least recently used first out, to count prefix hits.
 *
 * <p>This is only the hit counter behind {@code cached_tokens} and the prefix-cache metrics: cached blocks take
 * no room from running requests and do not shorten prefill. The prefix-aware picker work deepens it into a real
 * block pool (shared, ref-counted, evictable blocks). Not thread-safe: {@link EngineState} guards it.
 */
final class PrefixCache {

    private final Map<Long, Boolean> blocks;

    PrefixCache(int capacity) {
        blocks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /**
     * Returns how many leading blocks of the given chain were cached, then caches the whole chain.
     */
    int lookUpAndInsert(long[] chain) {
        int hits = 0;
        while (hits < chain.length && blocks.get(chain[hits]) != null) {
            hits++;
        }
        for (long hash : chain) {
            blocks.put(hash, Boolean.TRUE);
        }
        return hits;
    }
}

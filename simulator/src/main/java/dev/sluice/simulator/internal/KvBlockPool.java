package dev.sluice.simulator.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * Holds a fixed number of KV cache blocks with reference counts, a free queue ordered least recently freed first,
 * and an index of the cached ones by prefix hash, as vLLM's {@code BlockPool} does.
 *
 * <p>A block is in use while some sequence references it. A block nothing references is free, whether or not it
 * still holds a cached prefix: it sits in the free queue, from which allocation takes the head (evicting its hash,
 * if it had one), and to whose tail freed blocks go. A prefix hit on a free block takes it out of the queue and
 * references it again. Usage, as vLLM's {@code kv_cache_usage_perc} reports it, counts blocks in use only.
 * Not thread-safe.
 */
final class KvBlockPool {

    private static final int NONE = -1;

    private final int total;
    private final int[] refCount;
    private final long[] hash;
    private final boolean[] hashed;
    // The free queue, a doubly linked list over block ids.
    private final int[] prev;
    private final int[] next;
    private int head = NONE;
    private int tail = NONE;
    private int free;
    private int freeCached;
    private final Map<Long, Integer> cached = new HashMap<>();

    KvBlockPool(int total) {
        this.total = total;
        refCount = new int[total];
        hash = new long[total];
        hashed = new boolean[total];
        prev = new int[total];
        next = new int[total];
        for (int id = 0; id < total; id++) {
            append(id);
        }
    }

    int total() {
        return total;
    }

    /** Returns the number of free blocks, cached or not: what allocation may take. */
    int free() {
        return free;
    }

    /** Returns the number of blocks some sequence references. */
    int inUse() {
        return total - free;
    }

    /** Returns the number of free blocks that still hold a cached prefix. */
    int freeCached() {
        return freeCached;
    }

    /** Returns the number of blocks that hold a cached prefix, in use or free. */
    int cached() {
        return cached.size();
    }

    /** Returns the block holding the given prefix hash, or {@code -1}. */
    int lookUp(long blockHash) {
        final Integer id = cached.get(blockHash);
        return id == null ? NONE : id;
    }

    boolean isFree(int id) {
        return refCount[id] == 0;
    }

    /** References a block found by {@link #lookUp(long)}, taking it out of the free queue if it was free. */
    void pin(int id) {
        if (refCount[id]++ == 0) {
            unlink(id);
            if (hashed[id]) {
                freeCached--;
            }
        }
    }

    /**
     * Takes the least recently freed block, evicting the prefix it cached, and references it.
     *
     * @throws IllegalStateException if no block is free
     */
    int allocate() {
        final int id = head;
        if (id == NONE) {
            throw new IllegalStateException("no free KV block");
        }
        unlink(id);
        if (hashed[id]) {
            hashed[id] = false;
            cached.remove(hash[id]);
            freeCached--;
        }
        refCount[id] = 1;
        return id;
    }

    /** Drops one reference; a block nobody references goes to the tail of the free queue, keeping its prefix. */
    void release(int id) {
        if (refCount[id] <= 0) {
            throw new IllegalStateException("block " + id + " released more often than referenced");
        }
        if (--refCount[id] == 0) {
            append(id);
            if (hashed[id]) {
                freeCached++;
            }
        }
    }

    /**
     * Records that an in-use block holds the prefix of the given hash, unless another block already does (the
     * block then stays uncached, as a duplicate would be).
     */
    void register(int id, long blockHash) {
        if (hashed[id] || cached.containsKey(blockHash)) {
            return;
        }
        hashed[id] = true;
        hash[id] = blockHash;
        cached.put(blockHash, id);
    }

    private void append(int id) {
        prev[id] = tail;
        next[id] = NONE;
        if (tail == NONE) {
            head = id;
        } else {
            next[tail] = id;
        }
        tail = id;
        free++;
    }

    private void unlink(int id) {
        final int p = prev[id];
        final int n = next[id];
        if (p == NONE) {
            head = n;
        } else {
            next[p] = n;
        }
        if (n == NONE) {
            tail = p;
        } else {
            prev[n] = p;
        }
        free--;
    }
}

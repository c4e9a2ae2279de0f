package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * Predicts which prompt prefixes each endpoint holds in its KV cache: the prefix blocks of every request sent to an
 * endpoint are assumed cached there, least recently used first out, within the endpoint's KV capacity. This is GIE's
 * "approximate prefix cache" (proposal 0602, {@code approximateprefix/indexer.go}) with two changes.
 *
 * <h2>Layout</h2>
 * One global map from block hash to an entry holding a bit set of the endpoints that have the block (each endpoint
 * gets a small integer slot) and the per-endpoint LRU nodes. Each endpoint's LRU is an intrusive doubly linked list
 * through those nodes, bounded by its capacity in blocks; evicting a node clears the endpoint's bit, and an entry with
 * no endpoint left leaves the map. Memory is one entry per distinct block plus one node per (block, endpoint).
 *
 * <h2>Recording tail first, so prefixes are nested</h2>
 * {@link #record} touches a prompt's blocks from the last to the first, so a block is always more recently used than
 * every block after it in its chain (any prompt containing block {@code i} also contains block {@code i - 1} and
 * touches it right after). LRU therefore evicts the ends of chains before their beginnings, as vLLM's free-block
 * queue does, and an endpoint that holds block {@code i} of a prompt holds every block before it. (GIE adds blocks in
 * order, so its LRU evicts the beginnings of chains first and breaks them.)
 *
 * <h2>Matching by bisection</h2>
 * Because chains are nested, the sets {@code S(i)} of endpoints holding block {@code i} shrink along the prompt:
 * {@code S(0) ⊇ S(1) ⊇ …}. An endpoint's match is the number of leading blocks it holds, the last {@code i} with it
 * in {@code S(i)}, plus one. {@link #match} finds every candidate's match at once by bisecting over block positions:
 * if {@code S(lo) == S(hi)}, no candidate's match ends between them; otherwise probe the middle. A lookup costs one
 * map read, so a 375-block prompt with k distinct match lengths among the candidates costs about
 * {@code (k + 1)·log2(375)} reads instead of 375 (GIE walks every block). Bits read during a concurrent update may
 * be briefly inconsistent; the probe intersects each set with its left neighbour and unions it with its right one,
 * which keeps the answer within the truth's neighbourhood, good enough for a prediction.
 *
 * <h2>Concurrency</h2>
 * Reads ({@link #match}) take no lock: they read the concurrent map and each entry's volatile, copy-on-write bit
 * set. Writes ({@link #record}, {@link #remove}, {@link #retainOnly}) take one lock. A record costs about 50 ns for
 * each block the endpoint already holds and a few hundred for each new block (insertion plus an eviction at
 * capacity), so records can run on a writer executor, off the request path.
 */
public final class PrefixIndex {

    /**
     * GIE's {@code lruCapacityPerServer}, 31,250 blocks of 16 tokens (500,000 tokens), used for endpoints that do not
     * report their KV capacity.
     */
    public static final long DEFAULT_CAPACITY_TOKENS = 31_250L * 16;

    private final ConcurrentMap<Long, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Slot> slots = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final BitSet usedSlots = new BitSet(); // guarded by lock
    private long nodes; // guarded by lock

    private final Executor writer;

    /** Creates an empty index that records on the caller's thread. */
    public PrefixIndex() {
        this(Runnable::run);
    }

    /**
     * Creates an empty index that records on {@code writer}, off the request path, as GIE records asynchronously.
     * Recording a prompt whose blocks are new to the endpoint costs tens of microseconds for a 6,000-token prompt
     * (map insertions and LRU evictions under the write lock), more than the decision itself. A single thread with a
     * bounded queue that drops the oldest task under overload suits it: a dropped record only weakens a prediction.
     */
    public PrefixIndex(Executor writer) {
        this.writer = requireNonNull(writer, "writer");
    }

    /**
     * Returns, for each of {@code authorities}, how many leading blocks of {@code blocks} that endpoint is predicted
     * to hold.
     */
    public int[] match(PrefixBlocks blocks, List<String> authorities) {
        requireNonNull(blocks, "blocks");
        requireNonNull(authorities, "authorities");
        final int[] slotsOf = new int[authorities.size()];
        for (int i = 0; i < slotsOf.length; i++) {
            slotsOf[i] = slotOf(authorities.get(i));
        }
        final int[] out = new int[slotsOf.length];
        match(blocks, slotsOf, out);
        return out;
    }

    /** Returns the slot of the endpoint at {@code authority}, or -1 if the index holds nothing for it. */
    int slotOf(String authority) {
        final Slot slot = slots.get(authority);
        return slot == null ? -1 : slot.index;
    }

    /** Writes into {@code out[i]} the leading blocks held by the endpoint in {@code slots[i]} (-1: none). */
    void match(PrefixBlocks blocks, int[] slots, int[] out) {
        final long[] hashes = blocks.hashes();
        final int n = hashes.length;
        int maxSlot = -1;
        for (int s : slots) {
            maxSlot = Math.max(maxSlot, s);
        }
        Arrays.fill(out, 0, slots.length, 0);
        if (n == 0 || maxSlot < 0) {
            return;
        }
        final int words = (maxSlot >>> 6) + 1;
        final long[] candidates = new long[words];
        for (int s : slots) {
            if (s >= 0) {
                candidates[s >>> 6] |= 1L << s;
            }
        }
        final long[] first = probe(hashes[0], candidates, null, words);
        if (isEmpty(first)) {
            return;
        }
        final int[] bySlot = new int[words << 6];
        bisect(hashes, 0, first, n, new long[words], bySlot, words);
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] >= 0) {
                out[i] = bySlot[slots[i]];
            }
        }
    }

    // Invariant: lo < hi, atLo ⊇ atHi; the candidates in atLo \ atHi hold block lo and not block hi, so their
    // match length is in [lo + 1, hi]. Position n (past the end) holds nothing.
    private void bisect(long[] hashes, int lo, long[] atLo, int hi, long[] atHi, int[] bySlot, int words) {
        if (Arrays.equals(atLo, atHi)) {
            return;
        }
        if (hi - lo == 1) {
            for (int w = 0; w < words; w++) {
                long ending = atLo[w] & ~atHi[w];
                while (ending != 0) {
                    bySlot[(w << 6) + Long.numberOfTrailingZeros(ending)] = lo + 1;
                    ending &= ending - 1;
                }
            }
            return;
        }
        final int mid = (lo + hi) >>> 1;
        final long[] atMid = probe(hashes[mid], atLo, atHi, words);
        bisect(hashes, lo, atLo, mid, atMid, bySlot, words);
        bisect(hashes, mid, atMid, hi, atHi, bySlot, words);
    }

    private long[] probe(long hash, long[] within, long @Nullable [] atLeast, int words) {
        final long[] out = new long[words];
        final Entry e = entries.get(hash);
        if (e != null) {
            final long[] bits = e.bits;
            for (int w = 0; w < words && w < bits.length; w++) {
                out[w] = bits[w] & within[w];
            }
        }
        if (atLeast != null) {
            for (int w = 0; w < words; w++) {
                out[w] |= atLeast[w];
            }
        }
        return out;
    }

    private static boolean isEmpty(long[] bits) {
        for (long b : bits) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Records that a request with {@code blocks} was sent to the endpoint at {@code authority}, whose KV cache holds
     * {@code capacityTokens} tokens ({@code <= 0}: unknown, {@link #DEFAULT_CAPACITY_TOKENS}); evicts its least
     * recently used blocks beyond that capacity.
     */
    public void record(PrefixBlocks blocks, String authority, long capacityTokens) {
        requireNonNull(blocks, "blocks");
        requireNonNull(authority, "authority");
        if (blocks.count() == 0) {
            return;
        }
        writer.execute(() -> recordNow(blocks, authority, capacityTokens));
    }

    private void recordNow(PrefixBlocks blocks, String authority, long capacityTokens) {
        final long[] hashes = blocks.hashes();
        final long tokens = capacityTokens > 0 ? capacityTokens : DEFAULT_CAPACITY_TOKENS;
        final long capacity = Math.max(1, tokens / Math.max(1, blocks.blockTokens()));
        lock.lock();
        try {
            Slot slot = slots.get(authority);
            if (slot == null) {
                final int index = usedSlots.nextClearBit(0);
                usedSlots.set(index);
                slot = new Slot(index, authority);
                slots.put(authority, slot);
            }
            for (int i = hashes.length - 1; i >= 0; i--) {
                touch(slot, hashes[i]);
            }
            while (slot.size > capacity) {
                evict(slot.head.prev);
            }
        } finally {
            lock.unlock();
        }
    }

    private void touch(Slot slot, long hash) {
        Entry e = entries.get(hash);
        if (e == null) {
            e = new Entry(hash);
            entries.put(hash, e);
        }
        for (Node n = e.nodes; n != null; n = n.nextInEntry) {
            if (n.slot == slot) {
                n.unlink();
                slot.linkFirst(n);
                return;
            }
        }
        final Node n = new Node(slot, e);
        n.nextInEntry = e.nodes;
        e.nodes = n;
        slot.linkFirst(n);
        slot.size++;
        nodes++;
        final int w = slot.index >>> 6;
        final long[] bits = e.bits;
        final long[] next = Arrays.copyOf(bits, Math.max(bits.length, w + 1));
        next[w] |= 1L << slot.index;
        e.bits = next;
    }

    private void evict(Node n) {
        final Slot slot = n.slot;
        n.unlink();
        slot.size--;
        nodes--;
        final Entry e = n.entry;
        if (e.nodes == n) {
            e.nodes = n.nextInEntry;
        } else {
            Node p = e.nodes;
            while (p != null && p.nextInEntry != n) {
                p = p.nextInEntry;
            }
            if (p != null) {
                p.nextInEntry = n.nextInEntry;
            }
        }
        if (e.nodes == null) {
            entries.remove(e.hash, e);
            e.bits = new long[0];
        } else {
            final long[] next = e.bits.clone();
            next[slot.index >>> 6] &= ~(1L << slot.index);
            e.bits = next;
        }
    }

    /** Forgets everything recorded for the endpoint at {@code authority}. */
    public void remove(String authority) {
        requireNonNull(authority, "authority");
        lock.lock();
        try {
            final Slot slot = slots.remove(authority);
            if (slot != null) {
                while (slot.head.next != slot.head) {
                    evict(slot.head.prev);
                }
                usedSlots.clear(slot.index);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Forgets every endpoint not in {@code authorities}, such as those gone from a pool after a reload. */
    public void retainOnly(Collection<String> authorities) {
        final Set<String> keep = new HashSet<>(requireNonNull(authorities, "authorities"));
        for (String a : new ArrayList<>(slots.keySet())) {
            if (!keep.contains(a)) {
                remove(a);
            }
        }
    }

    /** Returns the number of distinct blocks held by at least one endpoint. */
    public int blockCount() {
        return entries.size();
    }

    /** Returns the number of (block, endpoint) pairs, the index's memory in nodes. */
    public long nodeCount() {
        lock.lock();
        try {
            return nodes;
        } finally {
            lock.unlock();
        }
    }

    /** Returns the number of blocks the endpoint at {@code authority} is predicted to hold. */
    public int blockCount(String authority) {
        requireNonNull(authority, "authority");
        lock.lock();
        try {
            final Slot slot = slots.get(authority);
            return slot == null ? 0 : slot.size;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "PrefixIndex{blocks=" + blockCount() + ", endpoints=" + slots.size() + '}';
    }

    private static final Entry SENTINEL = new Entry(0);

    private static final class Entry {
        final long hash;
        volatile long[] bits = new long[1];
        @Nullable Node nodes; // guarded by lock

        Entry(long hash) {
            this.hash = hash;
        }
    }

    private static final class Slot {
        final int index;
        final String authority;
        final Node head = new Node(this, SENTINEL); // sentinel: head.next is the most recent, head.prev the least
        int size;

        Slot(int index, String authority) {
            this.index = index;
            this.authority = authority;
        }

        void linkFirst(Node n) {
            n.prev = head;
            n.next = head.next;
            head.next.prev = n;
            head.next = n;
        }
    }

    private static final class Node {
        final Slot slot;
        final Entry entry;
        Node prev = this;
        Node next = this;
        @Nullable Node nextInEntry;

        Node(Slot slot, Entry entry) {
            this.slot = slot;
            this.entry = entry;
        }

        void unlink() {
            prev.next = next;
            next.prev = prev;
            prev = this;
            next = this;
        }
    }
}

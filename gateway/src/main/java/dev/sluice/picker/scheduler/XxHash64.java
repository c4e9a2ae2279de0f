package dev.sluice.picker.scheduler;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * XXH64, the 64-bit xxHash, over a byte range: the hash GIE uses for prefix blocks.
 *
 * <p>Reference: the xxHash specification, {@code doc/xxhash_spec.md} in github.com/Cyan4973/xxHash. Reads eight
 * bytes at a time through a {@link VarHandle}, in four independent lanes for inputs of 32 bytes or more.
 */
final class XxHash64 {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private XxHash64() {}

    /** Returns XXH64 of {@code data[off, off + len)} with {@code seed}. */
    static long hash(byte[] data, int off, int len, long seed) {
        final int end = off + len;
        int p = off;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            final int limit = end - 32;
            do {
                v1 = round(v1, (long) LONGS.get(data, p));
                v2 = round(v2, (long) LONGS.get(data, p + 8));
                v3 = round(v3, (long) LONGS.get(data, p + 16));
                v4 = round(v4, (long) LONGS.get(data, p + 24));
                p += 32;
            } while (p <= limit);
            h = converge(v1, v2, v3, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        while (p + 8 <= end) {
            h = mixLong(h, (long) LONGS.get(data, p));
            p += 8;
        }
        if (p + 4 <= end) {
            h = Long.rotateLeft(h ^ ((int) INTS.get(data, p) & 0xFFFFFFFFL) * P1, 23) * P2 + P3;
            p += 4;
        }
        while (p < end) {
            h = Long.rotateLeft(h ^ (data[p] & 0xFFL) * P5, 11) * P1;
            p++;
        }
        return avalanche(h);
    }

    private static long converge(long v1, long v2, long v3, long v4) {
        long h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
        h = merge(h, v1);
        h = merge(h, v2);
        h = merge(h, v3);
        return merge(h, v4);
    }

    private static long mixLong(long h, long k) {
        return Long.rotateLeft(h ^ round(0, k), 27) * P1 + P4;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long acc, long val) {
        return (acc ^ round(0, val)) * P1 + P4;
    }

    private static long avalanche(long h) {
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        return h ^ h >>> 32;
    }
}

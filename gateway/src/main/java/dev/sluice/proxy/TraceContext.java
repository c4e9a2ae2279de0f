package dev.sluice.proxy;

import java.util.concurrent.ThreadLocalRandom;

import org.jspecify.annotations.Nullable;

/**
 * The W3C Trace Context of one exchange: the trace it belongs to, the client's parent span (if it sent a
 * {@code traceparent}), and the ids of the gateway's request span and upstream span, whose {@code traceparent} the
 * model server receives so that its spans nest under the gateway's.
 *
 * @param traceId 32 lower-case hex digits
 * @param parentSpanId the client's span, 16 hex digits, or {@code null} when the trace starts here
 * @param requestSpanId the gateway's span for the whole exchange
 * @param upstreamSpanId the gateway's span for the call to the model server
 * @param sampled the client's sampled flag (true when the trace starts here)
 */
public record TraceContext(String traceId, @Nullable String parentSpanId, String requestSpanId,
                           String upstreamSpanId, boolean sampled) {

    /** The header that carries the context. */
    public static final String TRACEPARENT = "traceparent";

    /** Continues the client's trace from its {@code traceparent}, or starts one when it is absent or invalid. */
    public static TraceContext of(@Nullable String traceparent) {
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        if (traceparent != null && isValid(traceparent)) {
            final String flags = traceparent.substring(53, 55);
            final boolean sampled = (Integer.parseInt(flags, 16) & 1) == 1;
            return new TraceContext(traceparent.substring(3, 35), traceparent.substring(36, 52), spanId(r),
                                    spanId(r), sampled);
        }
        return new TraceContext(hex(r.nextLong() | 1) + hex(r.nextLong()), null, spanId(r), spanId(r), true);
    }

    /** Returns the {@code traceparent} to send upstream: this trace, with the upstream span as the parent. */
    public String upstreamTraceparent() {
        return "00-" + traceId + '-' + upstreamSpanId + (sampled ? "-01" : "-00");
    }

    /** Checks version 00's shape: {@code 00-<32 hex>-<16 hex>-<2 hex>}, ids not all zero. */
    static boolean isValid(String v) {
        if (v.length() != 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-' ||
            !v.startsWith("00")) {
            return false;
        }
        return isHex(v, 3, 35) && isHex(v, 36, 52) && isHex(v, 53, 55) &&
               !v.regionMatches(3, "00000000000000000000000000000000", 0, 32) &&
               !v.regionMatches(36, "0000000000000000", 0, 16);
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String spanId(ThreadLocalRandom r) {
        return hex(r.nextLong() | 1);
    }

    private static String hex(long v) {
        final String h = Long.toHexString(v);
        return h.length() == 16 ? h : "0".repeat(16 - h.length()) + h;
    }
}

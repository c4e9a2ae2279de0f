package dev.sluice.simulator.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import com.linecorp.armeria.common.RequestHeaders;

/**
 * Counts inference requests by outcome and remembers the headers of the latest ones.
 */
public final class RequestCounters {

    /** Enough for a test to look back over a burst without holding on to a benchmark's worth of maps. */
    static final int REMEMBERED_HEADERS = 256;

    private final LongAdder received = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final ArrayDeque<Map<String, String>> lastHeaders = new ArrayDeque<>(REMEMBERED_HEADERS);

    void onReceived(RequestHeaders headers) {
        received.increment();
        final Map<String, String> copy = new LinkedHashMap<>();
        headers.forEach((name, value) -> copy.merge(name.toString(), value, (a, b) -> a + ',' + b));
        final Map<String, String> frozen = Collections.unmodifiableMap(copy);
        synchronized (lastHeaders) {
            if (lastHeaders.size() == REMEMBERED_HEADERS) {
                lastHeaders.removeFirst();
            }
            lastHeaders.addLast(frozen);
        }
    }

    void onCompleted() {
        completed.increment();
    }

    void onCancelled() {
        cancelled.increment();
    }

    void onFailed() {
        failed.increment();
    }

    public long received() {
        return received.sum();
    }

    public long completed() {
        return completed.sum();
    }

    public long cancelled() {
        return cancelled.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public List<Map<String, String>> lastHeaders() {
        synchronized (lastHeaders) {
            return List.copyOf(new ArrayList<>(lastHeaders));
        }
    }
}

package dev.sluice.proxy;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;

/**
 * Ends a response stream that has already started: with {@code lastData} written before a clean close (an SSE error
 * event), or with a reset when it is {@code null}.
 */
final class StreamTermination extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient @Nullable HttpData lastData;

    StreamTermination(String message, @Nullable HttpData lastData) {
        super(message, null, false, false);
        this.lastData = lastData;
    }

    @Nullable HttpData lastData() {
        return lastData;
    }
}

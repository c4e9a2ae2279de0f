package dev.sluice.picker;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model-server endpoint ({@code host:port}) with what the gateway knows about it exactly: its in-flight requests
 * and whether it was last seen alive.
 *
 * <p>Endpoints outlive configuration reloads (they are interned by address), so counters stay true while requests
 * started on an old configuration finish.
 */
public final class Endpoint {

    private final String host;
    private final int port;
    private final String authority;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean live;
    private volatile long downSinceNanos;

    Endpoint(String host, int port) {
        this.host = host;
        this.port = port;
        authority = host.indexOf(':') >= 0 ? '[' + host + "]:" + port : host + ':' + port;
    }

    /** Returns the host name or address. */
    public String host() {
        return host;
    }

    /** Returns the port. */
    public int port() {
        return port;
    }

    /** Returns {@code host:port}. */
    public String authority() {
        return authority;
    }

    /** Returns the requests this gateway has in flight to the endpoint. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Counts a request sent to the endpoint; pair with {@link #release()}. */
    public void acquire() {
        inFlight.incrementAndGet();
    }

    /** Counts a request to the endpoint as finished. */
    public void release() {
        inFlight.decrementAndGet();
    }

    /** Returns whether the endpoint accepted its last connection or probe. */
    public boolean isLive() {
        return live;
    }

    /** Records the result of a connection attempt or probe. */
    public void markLive(boolean live, long nowNanos) {
        if (this.live && !live) {
            downSinceNanos = nowNanos;
        }
        this.live = live;
    }

    /** Returns when the endpoint was last marked down (only meaningful while it is down). */
    public long downSinceNanos() {
        return downSinceNanos;
    }

    @Override
    public String toString() {
        return authority;
    }
}

package dev.sluice.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.EventLoopScheduler;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.ReleasableHolder;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

/**
 * Sends each upstream request from the event loop that received the client's request.
 *
 * <p>The gateway's server and client share one worker group, and Armeria keeps a connection pool per event loop.
 * Pinning the upstream exchange to the caller's loop means a request is read, routed, forwarded, and its response
 * relayed without ever changing threads: no cross-thread wake-ups, no shared connection pool, the way nginx and
 * HAProxy run one loop per core. Calls from outside the group (probes, tests) get a loop round-robin.
 */
final class CurrentEventLoopScheduler implements EventLoopScheduler {

    private final List<EventLoop> loops = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    CurrentEventLoopScheduler(EventLoopGroup group) {
        for (EventExecutor e : group) {
            loops.add((EventLoop) e);
        }
    }

    @Override
    public ReleasableHolder<EventLoop> acquire(SessionProtocol protocol, EndpointGroup endpointGroup,
                                               Endpoint endpoint) {
        for (EventLoop loop : loops) {
            if (loop.inEventLoop()) {
                return holder(loop);
            }
        }
        return holder(loops.get(Math.floorMod(next.getAndIncrement(), loops.size())));
    }

    private static ReleasableHolder<EventLoop> holder(EventLoop loop) {
        return new ReleasableHolder<>() {
            @Override
            public EventLoop get() {
                return loop;
            }

            @Override
            public void release() {}
        };
    }
}

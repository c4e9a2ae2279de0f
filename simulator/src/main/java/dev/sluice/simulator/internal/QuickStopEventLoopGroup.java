package dev.sluice.simulator.internal;

import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.common.util.ThreadFactories;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;

/**
 * A one-thread boss group that stops at once instead of after Netty's two-second quiet period.
 *
 * <p>Armeria stops a server's boss group with {@code shutdownGracefully()}, whose quiet period would make every
 * {@code close()} and {@code refuseConnections(true)} take two seconds. The boss loop only accepts connections,
 * so there is nothing to be quiet about.
 */
public final class QuickStopEventLoopGroup extends MultiThreadIoEventLoopGroup {

    /**
     * Returns a boss group for the given thread name on Armeria's transport, or Armeria's own group if the
     * transport is neither epoll nor NIO.
     */
    public static EventLoopGroup forBoss(String threadName) {
        final IoHandlerFactory ioHandlerFactory = switch (Flags.transportType()) {
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
            default -> null;
        };
        if (ioHandlerFactory == null) {
            return EventLoopGroups.newEventLoopGroup(1, threadName, true);
        }
        return new QuickStopEventLoopGroup(threadName, ioHandlerFactory);
    }

    private QuickStopEventLoopGroup(String threadName, IoHandlerFactory ioHandlerFactory) {
        super(1, ThreadFactories.newEventLoopThreadFactory(threadName, true), ioHandlerFactory);
    }

    @Override
    public Future<?> shutdownGracefully() {
        return shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}

package dev.sluice.proxy;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.SessionProtocol;

import io.netty.channel.EventLoopGroup;

import dev.sluice.picker.Endpoint;

/**
 * One keep-alive {@link WebClient} per endpoint and protocol, over one shared {@link ClientFactory}.
 *
 * <p>The clients run on the server's worker group and send from the event loop that received the request (see
 * {@link CurrentEventLoopScheduler}). Model servers behind uvicorn speak HTTP/1.1, so pools default to {@code H1C} (no h2c upgrade attempt per
 * connection). Response timeouts and length limits are off at this level: streams last minutes, and the exchange
 * applies the route's own timeouts.
 */
public final class UpstreamClients implements AutoCloseable {

    private final ClientFactory factory;
    private final ConcurrentMap<String, WebClient> clients = new ConcurrentHashMap<>();

    /** Creates the clients with their own connection pools. */
    public UpstreamClients() {
        final EventLoopGroup workers = CommonPools.workerGroup();
        factory = ClientFactory.builder()
                               .workerGroup(workers, false)
                               .eventLoopSchedulerFactory(group -> new CurrentEventLoopScheduler(group))
                               .idleTimeout(Duration.ofSeconds(60))
                               .connectTimeout(Duration.ofSeconds(2))
                               .build();
    }

    /** Returns the client for {@code endpoint} over {@code protocol}. */
    public WebClient client(Endpoint endpoint, SessionProtocol protocol) {
        return clients.computeIfAbsent(protocol.uriText() + "://" + endpoint.authority(), k ->
                WebClient.builder(protocol, com.linecorp.armeria.client.Endpoint.of(endpoint.host(),
                                                                                    endpoint.port()))
                         .factory(factory)
                         .responseTimeoutMillis(0)
                         .maxResponseLength(0)
                         .build());
    }

    @Override
    public void close() {
        factory.close();
    }
}

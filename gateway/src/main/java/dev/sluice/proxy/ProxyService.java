package dev.sluice.proxy;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import dev.sluice.picker.metrics.LocalLoad;

import io.netty.util.AttributeKey;

/**
 * The data plane: every request on a gateway listener becomes an {@link Exchange} over the current
 * {@link GatewaySnapshot}.
 */
public final class ProxyService implements HttpService {

    /** The request's {@code x-request-id}, for responses Armeria makes itself (timeouts) outside the exchange. */
    public static final AttributeKey<String> REQUEST_ID_ATTR = AttributeKey.valueOf(ProxyService.class, "requestId");

    private final Supplier<GatewaySnapshot> snapshot;
    private final UpstreamClients clients;
    private final LocalLoad localLoad;
    private final ExchangeListener listener;

    /**
     * Creates the service reading the current configuration from {@code snapshot} and counting what it sends to
     * each endpoint in {@code localLoad}.
     */
    public ProxyService(Supplier<GatewaySnapshot> snapshot, UpstreamClients clients, LocalLoad localLoad,
                        ExchangeListener listener) {
        this.snapshot = requireNonNull(snapshot, "snapshot");
        this.clients = requireNonNull(clients, "clients");
        this.localLoad = requireNonNull(localLoad, "localLoad");
        this.listener = requireNonNull(listener, "listener");
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        return new Exchange(ctx, snapshot.get(), clients, localLoad, listener, ThreadLocalRandom.current(),
                            req.headers())
                .start(req);
    }
}

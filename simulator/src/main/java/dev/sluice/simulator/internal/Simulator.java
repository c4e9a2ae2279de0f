package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServiceRequestContext;

import dev.sluice.simulator.Faults;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.TimingModel;
import dev.sluice.simulator.internal.InferenceRequest.Endpoint;

/**
 * Holds everything one simulated model server shares across its requests and binds its routes, so that the
 * public {@code SimulatorServer} can rebind them to a fresh Armeria server on the same port.
 */
public final class Simulator {

    private static final MediaType PROMETHEUS_TEXT =
            MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final SimulatorConfig config;
    private final TimingModel timingModel;
    private final Faults faults;
    private final Clock clock;
    private final LongSupplier nanoTicker;
    private final SimulatorMetrics metrics;
    private final EngineState engine;
    private final RequestCounters counters = new RequestCounters();
    private final Set<InferenceExchange> live = ConcurrentHashMap.newKeySet();
    private final long startedEpochSeconds;

    /**
     * Creates a simulator reading wall time from {@code clock} (for {@code created} fields) and elapsed time from
     * {@code nanoTicker} (for latency metrics).
     */
    public Simulator(SimulatorConfig config, TimingModel timingModel, Faults faults, Clock clock,
                     LongSupplier nanoTicker) {
        this.config = requireNonNull(config, "config");
        this.timingModel = requireNonNull(timingModel, "timingModel");
        this.faults = requireNonNull(faults, "faults");
        this.clock = requireNonNull(clock, "clock");
        this.nanoTicker = requireNonNull(nanoTicker, "nanoTicker");
        metrics = new SimulatorMetrics(config, clock);
        engine = new EngineState(config, metrics);
        startedEpochSeconds = epochSeconds();
    }

    /**
     * Adds the simulator's routes to the given server builder.
     */
    public void bind(ServerBuilder sb) {
        sb.route().post("/v1/completions").build((ctx, req) -> serve(Endpoint.COMPLETIONS, ctx, req));
        sb.route().post("/v1/chat/completions").build((ctx, req) -> serve(Endpoint.CHAT_COMPLETIONS, ctx, req));
        sb.route().post("/v1/embeddings").build((ctx, req) -> serve(Endpoint.EMBEDDINGS, ctx, req));
        sb.route().get("/v1/models").build(
                (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
                                              OpenAiBodies.models(config, startedEpochSeconds)));
        sb.route().get("/metrics").build(
                (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT,
                                              metrics.scrape(engine.snapshot())
                                                     .getBytes(StandardCharsets.UTF_8)));
        sb.route().get("/health").build((ctx, req) -> HttpResponse.of(ResponseHeaders.of(HttpStatus.OK)));
        // vLLM sends X-Request-Id back (with --enable-request-id-headers); gateways rely on it for correlation.
        sb.decorator((delegate, ctx, req) -> {
            final String requestId = req.headers().get(HttpHeaderNames.X_REQUEST_ID);
            if (requestId != null) {
                ctx.setAdditionalResponseHeader(HttpHeaderNames.X_REQUEST_ID, requestId);
            }
            return delegate.serve(ctx, req);
        });
    }

    private HttpResponse serve(Endpoint endpoint, ServiceRequestContext ctx, HttpRequest req) {
        final HttpResponseWriter response = HttpResponse.streaming();
        new InferenceExchange(this, endpoint, ctx, response).start(req);
        return response;
    }

    /**
     * Ends every request in flight, as a crashed server would.
     */
    public void abortAll() {
        for (InferenceExchange exchange : List.copyOf(live)) {
            exchange.abortByServer();
        }
    }

    public RequestCounters counters() {
        return counters;
    }

    SimulatorConfig config() {
        return config;
    }

    TimingModel timingModel() {
        return timingModel;
    }

    Faults faults() {
        return faults;
    }

    SimulatorMetrics metrics() {
        return metrics;
    }

    EngineState engine() {
        return engine;
    }

    void register(InferenceExchange exchange) {
        live.add(exchange);
    }

    void unregister(InferenceExchange exchange) {
        live.remove(exchange);
    }

    long nanoTime() {
        return nanoTicker.getAsLong();
    }

    long epochSeconds() {
        return clock.millis() / 1000;
    }

    String randomId() {
        // vLLM uses uuid4().hex: 32 hex digits.
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        return String.format("%016x%016x", random.nextLong(), random.nextLong());
    }
}

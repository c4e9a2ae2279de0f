package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

import com.linecorp.armeria.common.CommonPools;
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
import dev.sluice.simulator.internal.InferenceRequest.Endpoint;

/**
 * Holds everything one simulated model server shares across its requests (the engine and its real-time driver, the
 * metrics, the counters) and binds its routes, so that the public {@code SimulatorServer} can rebind them to a fresh
 * Armeria server on the same port.
 */
public final class Simulator {

    private static final MediaType PROMETHEUS_TEXT =
            MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final SimulatorConfig config;
    private final Faults faults;
    private final Clock clock;
    private final SimulatorMetrics metrics;
    private final LiveEngineDriver driver;
    private final RequestCounters counters = new RequestCounters();
    private final Set<InferenceExchange> live = ConcurrentHashMap.newKeySet();
    private final long startedEpochSeconds;

    /**
     * Creates a simulator timing engine steps with {@code stepTime}, reading wall time from {@code clock} (for
     * {@code created} fields) and elapsed time from {@code nanoTicker} (for the engine's real-time driver).
     */
    public Simulator(SimulatorConfig config, StepTimeModel stepTime, Faults faults, Clock clock,
                     LongSupplier nanoTicker) {
        this.config = requireNonNull(config, "config");
        this.faults = requireNonNull(faults, "faults");
        this.clock = requireNonNull(clock, "clock");
        requireNonNull(stepTime, "stepTime");
        requireNonNull(nanoTicker, "nanoTicker");
        metrics = new SimulatorMetrics(config, clock);
        final BatchingEngine engine = new BatchingEngine(config, stepTime, metrics.engineListener());
        driver = new LiveEngineDriver(engine, CommonPools.workerGroup().next(), config.timeCompression(),
                                      nanoTicker);
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
                (ctx, req) -> HttpResponse.of(driver.call(() -> metrics.scrape(driver.engine())).thenApply(
                        text -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT,
                                                text.getBytes(StandardCharsets.UTF_8)))));
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

    Faults faults() {
        return faults;
    }

    /** Returns the engine; only its immutable properties may be read off its event loop. */
    BatchingEngine engine() {
        return driver.engine();
    }

    LiveEngineDriver driver() {
        return driver;
    }

    void register(InferenceExchange exchange) {
        live.add(exchange);
    }

    void unregister(InferenceExchange exchange) {
        live.remove(exchange);
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

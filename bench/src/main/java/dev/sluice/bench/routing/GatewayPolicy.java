package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.picker.PickRequest;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.picker.metrics.LocalLoad;
import dev.sluice.picker.metrics.ModelServerMetrics;
import dev.sluice.picker.scheduler.PrefixIndex;
import dev.sluice.picker.scheduler.Schedule;
import dev.sluice.picker.scheduler.Scheduler;
import dev.sluice.picker.scheduler.SchedulerProfile;
import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.des.DiscreteEventSimulation;
import dev.sluice.simulator.des.RequestListener;
import dev.sluice.simulator.des.RequestRecord;
import dev.sluice.simulator.des.RoutingPolicy;
import dev.sluice.simulator.des.SimulatedEngine;
import dev.sluice.simulator.des.SimulatedRequest;

/**
 * Routes a {@link DiscreteEventSimulation}'s requests with the gateway's own {@link Scheduler}, fed the way the
 * gateway feeds it, in virtual time:
 * <ul>
 *   <li>an {@link EndpointMetricsStore} on the simulation's clock, filled by a "scrape" of each engine every scrape
 *       interval (50 ms, the gateway's default), the engines' phases staggered evenly, so the scheduler sees metrics
 *       between 0 and one interval old, as in the gateway;</li>
 *   <li>a {@link LocalLoad} counting every routed request until its last token, as the proxy counts its exchanges;</li>
 *   <li>a {@link PrefixIndex} of its own that records synchronously (no writer executor, for determinism).</li>
 * </ul>
 * Each arrival is scheduled with the prompt text, the request's adapter (or the base model) as the model, and
 * priority 0; the request goes to the first endpoint and {@link Schedule#sentTo} records it there.
 *
 * <p>Engine {@code i} is the endpoint {@code pod-i:8000}. A scrape reports what a vLLM {@code /metrics} page would:
 * waiting and running requests, KV cache usage, the KV cache's blocks and block size, and, when the engines serve
 * LoRA adapters, {@code max_loras} and the running and waiting adapters.
 */
final class GatewayPolicy implements RoutingPolicy, RequestListener {

    static final int PORT = 8000;

    private final DiscreteEventSimulation simulation;
    private final Scheduler scheduler;
    private final EndpointMetricsStore store;
    private final LocalLoad localLoad = new LocalLoad();
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final Map<Endpoint, SimulatedEngine> engines = new IdentityHashMap<>();
    private final Map<String, LocalLoad.InFlight> inFlight = new HashMap<>();
    private final Function<String, PlannedRequest> plans;
    private final long scrapeIntervalNanos;
    private final boolean reportsLora;
    private final String pool = "bench";

    /**
     * Creates the adapter for the engines already added to {@code simulation}.
     *
     * @param plans finds the plan of a request by id
     * @param scrapeInterval the time between two scrapes of one engine
     * @param staleness the age beyond which the store treats metrics as stale
     */
    GatewayPolicy(DiscreteEventSimulation simulation, SchedulerProfile profile, long seed,
                  Function<String, PlannedRequest> plans, Duration scrapeInterval, Duration staleness) {
        this.simulation = requireNonNull(simulation, "simulation");
        this.plans = requireNonNull(plans, "plans");
        scrapeIntervalNanos = scrapeInterval.toNanos();
        if (scrapeIntervalNanos <= 0) {
            throw new IllegalArgumentException("scrapeInterval: " + scrapeInterval + " (expected: > 0)");
        }
        store = new EndpointMetricsStore(() -> simulation.now().toNanos(), staleness, localLoad);
        scheduler = new Scheduler(profile, store::load, new PrefixIndex(), new SplittableRandom(seed));
        final EndpointDirectory directory = new EndpointDirectory();
        boolean lora = false;
        for (SimulatedEngine engine : simulation.engines()) {
            final Endpoint endpoint = directory.get(engine.name(), PORT);
            endpoint.markLive(true, 0);
            endpoints.add(endpoint);
            engines.put(endpoint, engine);
            lora |= !engine.config().loraAdapters().isEmpty();
        }
        reportsLora = lora;
    }

    /** Returns the scheduler, for tests. */
    Scheduler scheduler() {
        return scheduler;
    }

    /**
     * Starts scraping every engine, engine {@code i} first at {@code i × interval / engines}, then every interval
     * while {@code active} says the run has work left.
     */
    void startScraping(java.util.function.BooleanSupplier active) {
        final int n = endpoints.size();
        for (int i = 0; i < n; i++) {
            final Endpoint endpoint = endpoints.get(i);
            final long phase = scrapeIntervalNanos * i / n;
            scrapeAt(endpoint, simulation.now().toNanos() + phase, active);
        }
    }

    private void scrapeAt(Endpoint endpoint, long at, java.util.function.BooleanSupplier active) {
        simulation.schedule(Duration.ofNanos(at), () -> {
            scrape(endpoint);
            if (active.getAsBoolean()) {
                scrapeAt(endpoint, at + scrapeIntervalNanos, active);
            }
        });
    }

    /** Records one scrape of the engine behind {@code endpoint}, its state now. */
    void scrape(Endpoint endpoint) {
        final SimulatedEngine engine = engines.get(endpoint);
        store.startScrape(endpoint.authority(), "vllm").succeeded(metricsOf(engine, reportsLora));
    }

    static ModelServerMetrics metricsOf(SimulatedEngine engine, boolean reportsLora) {
        final EngineSnapshot s = engine.snapshot();
        final SimulatorConfig c = engine.config();
        return new ModelServerMetrics(s.waitingRequests(), s.runningRequests(), s.kvCacheUsage(),
                                      reportsLora ? s.runningLoraAdapters() : List.of(),
                                      reportsLora ? s.waitingLoraAdapters() : List.of(),
                                      reportsLora ? c.maxLoras() : 0, c.kvCacheBlocks(), c.blockSize());
    }

    @Override
    public SimulatedEngine choose(SimulatedRequest request, DiscreteEventSimulation simulation) {
        final PlannedRequest plan = plans.apply(request.id());
        final String prompt = plan.prompt();
        final String model = request.loraAdapter() != null ? request.loraAdapter()
                                                           : simulation.engines().get(0).config().model();
        final Schedule schedule = scheduler.schedule(new PickRequest(pool, model, 0, prompt), endpoints);
        final Endpoint first = schedule.endpoints().get(0);
        schedule.sentTo(first);
        inFlight.put(request.id(),
                     localLoad.onSend(first, LocalLoad.estimateTokens(prompt.length(), request.outputTokens())));
        return engines.get(first);
    }

    @Override
    public void token(SimulatedRequest request, int index, Duration time) {
        if (index == 0) {
            final LocalLoad.InFlight f = inFlight.get(request.id());
            if (f != null) {
                f.onFirstToken(); // the proxy does this on the first streamed event with text
            }
        }
    }

    @Override
    public void finished(SimulatedRequest request, RequestRecord record) {
        final LocalLoad.InFlight f = inFlight.remove(request.id());
        if (f != null) {
            f.onFinish();
        }
    }

    @Override
    public String toString() {
        return "GatewayPolicy{" + scheduler.profile().name() + '}';
    }
}

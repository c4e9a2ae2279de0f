package dev.sluice.proxy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.SessionProtocol;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.BackendPolicySpec;
import dev.sluice.config.Resources.InferenceObjectiveSpec;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.ModelServerSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.extension.ExtensionChains;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.picker.Endpoint;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.picker.EndpointPicker;
import dev.sluice.picker.flow.FlowController;
import dev.sluice.picker.metrics.EngineMetricsMapping;
import dev.sluice.picker.metrics.ScrapeTarget;
import dev.sluice.routing.BodyBasedRouting;
import dev.sluice.routing.ModelCatalog;
import dev.sluice.routing.ModelRewrites;
import dev.sluice.routing.Router;

/**
 * Everything a request needs from one configuration, compiled once: routes, the model catalog, rewrites,
 * objectives, extension chains and each pool's endpoints. Swapped atomically on reload; a request keeps the snapshot
 * it started with.
 */
public final class GatewaySnapshot {

    /**
     * The annotation on a {@code Gateway} that sets the largest request body accepted, in bytes (validated when the
     * configuration loads).
     */
    public static final String MAX_BODY_ANNOTATION = "sluice.dev/max-request-body-bytes";
    /** The default largest request body: long prompts are big, but 8 MiB is far beyond any context window's text. */
    public static final long DEFAULT_MAX_BODY_BYTES = 8L << 20;
    /** Attempts per request (first try plus retries on other endpoints) when no BackendPolicy says otherwise. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    /** A pool's endpoints, how to reach them, where to read their metrics, and how requests are admitted. */
    public record Pool(String name, List<Endpoint> endpoints, SessionProtocol protocol, int maxAttempts,
                       EndpointPicker picker, FlowController flow, List<ScrapeTarget> scrapeTargets) {}

    /** Provides each pool's picker and flow controller, which outlive snapshots. */
    public interface PoolServices {
        /** Returns the picker of {@code pool}. */
        EndpointPicker picker(Resource<InferencePoolSpec> pool);

        /** Returns the flow controller (saturation queue) of {@code pool}. */
        FlowController flow(Resource<InferencePoolSpec> pool);
    }

    private final GatewayConfig config;
    private final Router router;
    private final ModelCatalog catalog;
    private final BodyBasedRouting bodyBasedRouting;
    private final ModelRewrites rewrites;
    private final Map<String, InferenceObjectiveSpec> objectives;
    private final ExtensionChains chains;
    private final Map<String, Pool> pools;
    private final long maxRequestBytes;
    private final EndpointDirectory directory;

    private GatewaySnapshot(EndpointDirectory directory, GatewayConfig config, Router router, ModelCatalog catalog,
                            BodyBasedRouting bbr, ModelRewrites rewrites,
                            Map<String, InferenceObjectiveSpec> objectives, ExtensionChains chains,
                            Map<String, Pool> pools, long maxRequestBytes) {
        this.config = config;
        this.router = router;
        this.catalog = catalog;
        bodyBasedRouting = bbr;
        this.rewrites = rewrites;
        this.objectives = objectives;
        this.chains = chains;
        this.pools = pools;
        this.maxRequestBytes = maxRequestBytes;
        this.directory = directory;
    }

    /**
     * Compiles {@code config}.
     *
     * @param addresses resolves a {@code ModelServer} to its socket address ({@code null} when it has none yet; the
     *                  port is ignored for address servers, which use the pool's target ports unless they set one)
     * @param services provides each pool's picker and flow controller
     */
    public static GatewaySnapshot build(GatewayConfig config, ExtensionRegistry registry,
                                        EndpointDirectory directory,
                                        Function<Resource<ModelServerSpec>, @Nullable InetSocketAddress> addresses,
                                        PoolServices services) {
        final ModelCatalog catalog = ModelCatalog.of(config);
        final BodyBasedRouting bbr = new BodyBasedRouting(catalog);
        // Body-based routing reads this configuration's catalog, so each snapshot registers its own instance.
        final ExtensionRegistry extensions = registry.with(BodyBasedRouting.SERVICE, spec -> bbr);
        final Map<String, InferenceObjectiveSpec> objectives = new HashMap<>();
        for (Resource<InferenceObjectiveSpec> o : config.inferenceObjectives()) {
            objectives.put(o.metadata().name(), o.spec());
        }
        final Map<String, Pool> pools = new HashMap<>();
        for (Resource<InferencePoolSpec> p : config.inferencePools()) {
            pools.put(p.metadata().name(), pool(config, p, directory, addresses, services));
        }
        long maxBody = DEFAULT_MAX_BODY_BYTES;
        for (var gw : config.gateways()) {
            final String v = gw.metadata().annotations().get(MAX_BODY_ANNOTATION);
            if (v != null) {
                maxBody = Long.parseLong(v.trim());
            }
        }
        return new GatewaySnapshot(directory, config, Router.of(config), catalog, bbr, ModelRewrites.of(config),
                                   objectives, ExtensionChains.of(config, extensions), Map.copyOf(pools), maxBody);
    }

    private static Pool pool(GatewayConfig config, Resource<InferencePoolSpec> p, EndpointDirectory directory,
                             Function<Resource<ModelServerSpec>, @Nullable InetSocketAddress> addresses,
                             PoolServices services) {
        final InferencePoolSpec spec = p.spec();
        final List<Endpoint> endpoints = new ArrayList<>();
        final List<ScrapeTarget> targets = new ArrayList<>();
        // The engine (vLLM, SGLang, ...) decides which metric names to read: a ModelServer label, else the pool's.
        final String poolEngine = p.metadata().labels().get(EngineMetricsMapping.ENGINE_LABEL);
        for (Resource<ModelServerSpec> ms : config.modelServers()) {
            if (!ms.metadata().labels().entrySet().containsAll(spec.matchLabels().entrySet())) {
                continue;
            }
            final InetSocketAddress addr = addresses.apply(ms);
            if (addr == null) {
                continue;
            }
            final EngineMetricsMapping engine = EngineMetricsMapping.select(ms.metadata().labels(), poolEngine);
            final List<Integer> ports = ms.spec().simulated() != null || ms.spec().port() != null
                                        ? List.of(addr.getPort()) : spec.targetPorts();
            for (int port : ports) {
                final Endpoint e = directory.get(addr.getHostString(), port);
                endpoints.add(e);
                targets.add(ScrapeTarget.of(e, engine));
            }
        }
        int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        for (Resource<BackendPolicySpec> bp : config.backendPolicies()) {
            if (bp.spec().targetRef().name().equals(p.metadata().name()) && bp.spec().maxAttempts() != null) {
                maxAttempts = bp.spec().maxAttempts();
            }
        }
        final SessionProtocol protocol = "kubernetes.io/h2c".equals(spec.appProtocol()) ? SessionProtocol.H2C
                                                                                         : SessionProtocol.H1C;
        return new Pool(p.metadata().name(), List.copyOf(endpoints), protocol, maxAttempts, services.picker(p),
                        services.flow(p), List.copyOf(targets));
    }

    /** Returns the configuration this snapshot was built from. */
    public GatewayConfig config() {
        return config;
    }

    /** Returns the route table. */
    public Router router() {
        return router;
    }

    /** Returns the served models. */
    public ModelCatalog catalog() {
        return catalog;
    }

    /** Returns the built-in body-based routing over this snapshot's catalog. */
    public BodyBasedRouting bodyBasedRouting() {
        return bodyBasedRouting;
    }

    /** Returns the model rewrites. */
    public ModelRewrites rewrites() {
        return rewrites;
    }

    /** Returns the objective named {@code name}, or {@code null}. */
    public @Nullable InferenceObjectiveSpec objective(String name) {
        return objectives.get(name);
    }

    /** Returns the extension chains. */
    public ExtensionChains chains() {
        return chains;
    }

    /** Returns the pool named {@code name}, or {@code null}. */
    public @Nullable Pool pool(String name) {
        return pools.get(name);
    }

    /** Returns the endpoint of a plain {@code Service} backend: host {@code name} on {@code port}. */
    public Endpoint serviceEndpoint(String name, @Nullable Integer port) {
        return directory.get(name, port != null ? port : 80);
    }

    /** Returns where to scrape every pool endpoint's metrics (each endpoint once). */
    public List<ScrapeTarget> scrapeTargets() {
        final java.util.Map<String, ScrapeTarget> byAuthority = new java.util.LinkedHashMap<>();
        pools.values().forEach(p -> p.scrapeTargets().forEach(t -> byAuthority.putIfAbsent(t.authority(), t)));
        return List.copyOf(byAuthority.values());
    }

    /** Returns every pool. */
    public Map<String, Pool> pools() {
        return pools;
    }

    /** Returns the largest request body accepted. */
    public long maxRequestBytes() {
        return maxRequestBytes;
    }
}

package dev.sluice.server;

import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.ObjectMapper;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServerPort;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.SessionProtocol;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigWatcher;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.GatewaySpec;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.Listener;
import dev.sluice.config.Resources.Resource;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.observe.Observability;
import dev.sluice.observe.ObserveOptions;
import dev.sluice.openai.OpenAiErrors;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.picker.EndpointPicker;
import dev.sluice.picker.flow.FlowController;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.picker.metrics.LocalLoad;
import dev.sluice.picker.metrics.MetricsScraper;
import dev.sluice.proxy.ExchangeListener;
import dev.sluice.proxy.GatewaySnapshot;
import dev.sluice.proxy.ProxyService;
import dev.sluice.proxy.UpstreamClients;
import dev.sluice.routing.BodyBasedRouting;

/**
 * A running gateway: the data-plane listeners of the {@code Gateway} resources, the admin listener, embedded
 * simulated model servers, endpoint probes and, when started from a path, hot reload.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(GatewayServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Default data-plane listener when the configuration declares no {@code Gateway}. */
    public static final int DEFAULT_PORT = 8080;
    /** Default admin port. */
    public static final int DEFAULT_ADMIN_PORT = 9090;

    private final ExtensionRegistry registry;
    private final EndpointDirectory directory = new EndpointDirectory();
    private final EmbeddedSimulators simulators = new EmbeddedSimulators();
    private final UpstreamClients clients = new UpstreamClients();
    private final LocalLoad localLoad = new LocalLoad();
    /**
     * Metrics older than this count as unknown (saturated). GIE's picker uses 200 ms, four of its 50 ms scrapes, in a
     * pod of its own; Sluice scrapes from the data plane's process, where a CPU-starved host can delay a few scrapes,
     * so it allows a second before treating a server as full. Scrapes still run every 50 ms.
     */
    static final Duration METRICS_STALENESS = Duration.ofSeconds(1);

    private final EndpointMetricsStore metrics =
            new EndpointMetricsStore(System::nanoTime, METRICS_STALENESS, localLoad);
    private final MetricsScraper scraper = MetricsScraper.builder(metrics).build();
    private final AtomicReference<GatewaySnapshot> current = new AtomicReference<>();
    private final PoolSchedulers schedulers = new PoolSchedulers(metrics, current::get);
    private final Server server;
    private final Server admin;
    private final EndpointProber prober;
    private final Observability observability;
    private volatile @Nullable ConfigWatcher watcher;
    private volatile long reloads;
    private volatile long failedReloads;
    private final List<AutoCloseable> closeAfter;

    private GatewayServer(GatewayConfig config, Options options) {
        registry = options.registry;
        current.set(snapshotOf(config));
        observability = new Observability(options.observe, current::get, metrics);
        schedulers.listeners(observability.metrics().flowListener(), observability.metrics()::onScheduled);
        server = dataServer(config, options);
        admin = adminServer(options);
        prober = new EndpointProber(current::get, Duration.ofSeconds(1), Duration.ofMillis(500));
        closeAfter = List.copyOf(options.closeAfter);
    }

    /** Settings that are not part of the resource configuration. */
    public static final class Options {
        private String adminAddress = "127.0.0.1";
        private int adminPort = DEFAULT_ADMIN_PORT;
        private ExtensionRegistry registry = new ExtensionRegistry();
        private ExchangeListener listener = ExchangeListener.NOOP;
        private ObserveOptions observe = new ObserveOptions();
        private @Nullable Path watch;
        private final Map<String, HttpService> adminServices = new LinkedHashMap<>();
        private final List<AutoCloseable> closeAfter = new ArrayList<>();

        /** Sets the admin listener's address and port (0 picks a free port). */
        public Options admin(String address, int port) {
            adminAddress = requireNonNull(address, "address");
            adminPort = port;
            return this;
        }

        /** Sets the built-in extensions available to {@code TrafficExtension}s. */
        public Options registry(ExtensionRegistry registry) {
            this.registry = requireNonNull(registry, "registry");
            return this;
        }

        /** Sets the observer of exchanges. */
        public Options listener(ExchangeListener listener) {
            this.listener = requireNonNull(listener, "listener");
            return this;
        }

        /** Sets the metric names, access log default and tracing. */
        public Options observe(ObserveOptions observe) {
            this.observe = requireNonNull(observe, "observe");
            return this;
        }

        /**
         * Serves {@code service} on the admin listener under {@code pathPrefix} (for example the admin REST API or
         * the sanitize API); the service does its own authorization.
         */
        public Options adminService(String pathPrefix, HttpService service) {
            if (adminServices.putIfAbsent(requireNonNull(pathPrefix, "pathPrefix"),
                                          requireNonNull(service, "service")) != null) {
                throw new IllegalArgumentException("admin path already served: " + pathPrefix);
            }
            return this;
        }

        /**
         * Closes {@code resource} when the gateway closes, after its listeners have stopped (so requests in flight
         * have finished): for modules that flush what requests produced, such as API management's analytics.
         * Resources are closed in the order they were added.
         */
        public Options closeAfter(AutoCloseable resource) {
            closeAfter.add(requireNonNull(resource, "resource"));
            return this;
        }

        /** Reloads the configuration from {@code path} whenever it changes. */
        public Options watch(Path path) {
            watch = requireNonNull(path, "path");
            return this;
        }
    }

    /** Returns the extension service names configuration may use with {@code registry}. */
    public static Set<String> knownServices(ExtensionRegistry registry) {
        final Set<String> names = new HashSet<>(registry.names());
        names.add(BodyBasedRouting.SERVICE);
        return Set.copyOf(names);
    }

    /** Loads {@code path} and starts a gateway that reloads it on change. */
    public static GatewayServer start(Path path, Options options) throws ConfigException {
        final GatewayConfig config = ConfigLoader.load(path, knownServices(options.registry));
        options.watch(path);
        return start(config, options);
    }

    /** Starts a gateway on {@code config}. */
    public static GatewayServer start(GatewayConfig config, Options options) {
        final GatewayServer gw = new GatewayServer(config, options);
        try {
            gw.server.start().join();
            gw.admin.start().join();
        } catch (RuntimeException e) {
            gw.close();
            throw e;
        }
        if (options.watch != null) {
            try {
                gw.watcher = ConfigWatcher.start(options.watch, knownServices(options.registry),
                                                 ConfigWatcher.DEFAULT_DEBOUNCE, gw::reload, gw::reloadFailed);
            } catch (IOException e) {
                gw.close();
                throw new UncheckedIOException("cannot watch " + options.watch, e);
            }
        }
        return gw;
    }

    private GatewaySnapshot snapshotOf(GatewayConfig config) {
        simulators.sync(config.modelServers());
        final GatewaySnapshot snapshot = GatewaySnapshot.build(
                config, registry, directory, simulators::addressOf, new GatewaySnapshot.PoolServices() {
                    @Override
                    public EndpointPicker picker(Resource<InferencePoolSpec> pool) {
                        return schedulers.scheduler(pool);
                    }

                    @Override
                    public FlowController flow(Resource<InferencePoolSpec> pool) {
                        return schedulers.flow(pool);
                    }
                });
        schedulers.retain(snapshot);
        scraper.setTargets(snapshot.scrapeTargets());
        return snapshot;
    }

    /** Returns the block hashes held by the prefix index of {@code pool}. */
    public long prefixIndexBlocks(String pool) {
        return schedulers.prefixIndexBlocks(pool);
    }

    /** Returns the scraped state of every endpoint. */
    public EndpointMetricsStore endpointMetrics() {
        return metrics;
    }

    /** Swaps in a new configuration; requests in flight finish on the one they started with. */
    public void reload(GatewayConfig config) {
        try {
            final GatewaySnapshot next = snapshotOf(config);
            final GatewaySnapshot previous = current.getAndSet(next);
            if (!listeners(previous.config()).equals(listeners(config))) {
                logger.warn("Listener changes take effect at the next restart; the gateway keeps its ports.");
            }
            reloads++;
            observability.onReload(true);
            logger.info("Configuration reloaded from {}", config.source());
        } catch (RuntimeException e) {
            failedReloads++;
            observability.onReload(false);
            logger.error("Configuration reload failed; the previous configuration keeps serving: {}",
                         e.getMessage());
        }
    }

    private void reloadFailed(ConfigException e) {
        failedReloads++;
        observability.onReload(false);
        logger.error("Configuration reload failed; the previous configuration keeps serving:\n{}", e.getMessage());
    }

    /** Returns the metrics, access log and tracing. */
    public Observability observability() {
        return observability;
    }

    /** Returns the snapshot requests now start with. */
    public GatewaySnapshot snapshot() {
        return current.get();
    }

    /** Returns the number of successful and failed reloads. */
    public long[] reloadCounts() {
        return new long[] { reloads, failedReloads };
    }

    /** Returns the simulator behind a simulated {@code ModelServer} in the default namespace, or {@code null}. */
    public dev.sluice.simulator.@Nullable SimulatorServer simulator(String modelServerName) {
        return simulators.simulator("default", modelServerName);
    }

    /** Returns the first data-plane port. */
    public int port() {
        return server.activeLocalPort();
    }

    /** Returns the admin port. */
    public int adminPort() {
        return admin.activeLocalPort();
    }

    /** Returns whether the gateway is ready: configuration loaded and some pool has a live endpoint. */
    public boolean isReady() {
        return current.get().pools().values().stream()
                      .anyMatch(p -> p.endpoints().stream().anyMatch(e -> e.isLive()));
    }

    private Server dataServer(GatewayConfig config, Options options) {
        final ServerBuilder sb = Server.builder();
        final List<Listener> listeners = listeners(config);
        final String address = bindAddress(config);
        if (listeners.isEmpty()) {
            sb.port(new ServerPort(new InetSocketAddress(address, DEFAULT_PORT), SessionProtocol.HTTP));
        }
        boolean tlsSet = false;
        for (Listener l : listeners) {
            final InetSocketAddress addr = new InetSocketAddress(address, l.port());
            if ("HTTPS".equals(l.protocol())) {
                sb.port(new ServerPort(addr, SessionProtocol.HTTPS));
                if (!tlsSet) {
                    sb.tls(new File(l.tls().certificateFile()), new File(l.tls().privateKeyFile()));
                    tlsSet = true;
                }
            } else {
                sb.port(new ServerPort(addr, SessionProtocol.HTTP));
            }
        }
        final ProxyService proxy = new ProxyService(current::get, clients, localLoad,
                                                 observability.listener(options.listener));
        sb.requestTimeoutMillis(0)
          .maxRequestLength(0)
          .gracefulShutdownTimeout(Duration.ofMillis(500), Duration.ofSeconds(10))
          .errorHandler(errorHandler())
          .service("/v1/models", (ctx, req) -> req.method() == HttpMethod.GET
                                               ? ModelsService.list(current.get().catalog())
                                               : proxy.serve(ctx, req))
          .serviceUnder("/", proxy);
        return sb.build();
    }

    /** Maps failures Armeria raises itself to OpenAI error bodies with DESIGN.md's status codes. */
    private static ServerErrorHandler errorHandler() {
        return (ctx, cause) -> {
            final Throwable t = Exceptions.peel(cause);
            final HttpResponse res;
            if (t instanceof RequestTimeoutException) {
                res = OpenAiErrors.response(HttpStatus.GATEWAY_TIMEOUT, "The request timed out at the gateway.",
                                            "timeout", null, "request_timeout");
            } else if (t instanceof ContentTooLargeException) {
                res = OpenAiErrors.response(HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                                            "The request body is larger than the limit.",
                                            "invalid_request_error", null, "request_too_large");
            } else {
                return null;
            }
            final String requestId = ctx.attr(ProxyService.REQUEST_ID_ATTR);
            return requestId == null ? res
                                     : res.mapHeaders(h -> h.toBuilder().set("x-request-id", requestId).build());
        };
    }

    private Server adminServer(Options options) {
        final ServerBuilder builder = Server.builder();
        options.adminServices.forEach(builder::serviceUnder);
        return builder
                     .port(new ServerPort(new InetSocketAddress(options.adminAddress, options.adminPort),
                                          SessionProtocol.HTTP))
                     .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
                     .service("/healthz", (ctx, req) -> HttpResponse.of(HttpStatus.OK))
                     .service("/readyz", (ctx, req) -> isReady() ? HttpResponse.of(HttpStatus.OK)
                                                                 : HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE))
                     .service("/metrics", observability.metricsService())
                     .service("/admin/endpoints", (ctx, req) -> HttpResponse.of(
                             HttpStatus.OK, MediaType.JSON_UTF_8, JSON.writeValueAsString(metrics.describe())))
                     .build();
    }

    private static List<Listener> listeners(GatewayConfig config) {
        final List<Listener> all = new ArrayList<>();
        for (Resource<GatewaySpec> g : config.gateways()) {
            all.addAll(g.spec().listeners());
        }
        return all;
    }

    private static String bindAddress(GatewayConfig config) {
        for (Resource<GatewaySpec> g : config.gateways()) {
            if (!g.spec().addresses().isEmpty()) {
                return g.spec().addresses().get(0).value();
            }
        }
        return "127.0.0.1";
    }

    @Override
    public void close() {
        final ConfigWatcher w = watcher;
        if (w != null) {
            w.close();
        }
        prober.close();
        scraper.close();
        schedulers.close();
        // Each Armeria server waits out its own event loop's quiet period when it stops, so stop them together.
        CompletableFuture.allOf(server.stop(), admin.stop()).join();
        clients.close();
        for (AutoCloseable c : closeAfter) {
            try {
                c.close();
            } catch (Exception e) {
                logger.error("closing {} failed", c, e);
            }
        }
        simulators.close();
        observability.close();
    }
}

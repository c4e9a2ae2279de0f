package dev.sluice.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.ApiManagement;
import dev.sluice.apim.ApiManagementSettings;
import dev.sluice.apim.admin.ApimAdminService;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.AnalyticsStoreException;
import dev.sluice.apim.store.KeyStore;
import dev.sluice.apim.cli.AnalyticsCommand;
import dev.sluice.apim.cli.AppsCommand;
import dev.sluice.apim.cli.StoreLocation;
import dev.sluice.apim.cli.DevelopersCommand;
import dev.sluice.apim.cli.KeysCommand;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.observe.MetricNaming;
import dev.sluice.observe.ObserveOptions;
import dev.sluice.safety.detect.DefaultSafetyScanner;
import dev.sluice.safety.screen.Safety;
import dev.sluice.server.GatewayServer;
import dev.sluice.simulator.SimulatorMain;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code sluice} command line: {@code serve}, {@code check}, {@code sim}, and {@code keys}, {@code apps},
 * {@code developers} and {@code analytics} for API management.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice 0.1.0",
         description = "An open inference gateway for pools of LLM model servers.",
         subcommands = { SluiceCommand.Serve.class, SluiceCommand.Check.class, SluiceCommand.Sim.class,
                         KeysCommand.class, AppsCommand.class, DevelopersCommand.class, AnalyticsCommand.class })
public final class SluiceCommand implements Runnable {

    /** The quickstart folder, relative to the Sluice home (the repository root). */
    static final String QUICKSTART = "examples/quickstart";

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SluiceCommand()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Returns {@code given}, or the quickstart when no path was given. */
    static Path configPath(@Nullable Path given) {
        if (given != null) {
            return given;
        }
        final String home = System.getProperty("sluice.home", System.getenv().getOrDefault("SLUICE_HOME", "."));
        return Path.of(home).resolve(QUICKSTART);
    }

    /** Extensions compiled into this build (for validation: the safety detectors are never loaded). */
    static ExtensionRegistry builtins() {
        return builtins(ApiManagement.builder().build(), Safety.create(DefaultSafetyScanner::load));
    }

    /** Extensions compiled into this build, with API management served by {@code apim} and safety by {@code safety}. */
    static ExtensionRegistry builtins(ApiManagement apim, Safety safety) {
        return new ExtensionRegistry().register(ApiManagement.SERVICE, apim.factory())
                                      .register(Safety.SERVICE, safety.factory());
    }

    @Command(name = "serve", description = "Runs the gateway (the bundled quickstart when no --config is given).")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", description = "A YAML file or a folder of them. Default: ${DEFAULT-VALUE}.")
        @Nullable Path config;

        @Option(names = "--admin-port", defaultValue = "9090", description = "Admin listener port.")
        int adminPort;

        @Option(names = "--admin-address", defaultValue = "127.0.0.1", description = "Admin listener address.")
        String adminAddress = "127.0.0.1";

        // Observability (see dev.sluice.observe and the README's Observability section).
        @Option(names = "--metrics-names", defaultValue = "model",
                description = "Per-model metric names: model (inference_model_*, the seed's alerts) or objective " +
                              "(inference_objective_*, GIE v1.1+). Default: ${DEFAULT-VALUE}.")
        String metricsNames = "model";

        @Option(names = "--otlp-endpoint", description = "Export trace spans over OTLP http/protobuf to this URL " +
                                                         "(/v1/traces is added to a bare URL). Default: off.")
        @Nullable String otlpEndpoint;

        @Option(names = "--trace-sample-ratio", defaultValue = "1.0",
                description = "Share of traces starting at the gateway that are exported (0..1); a client's " +
                              "sampled flag is always obeyed. Default: ${DEFAULT-VALUE}.")
        double traceSampleRatio = 1.0;

        @Option(names = "--access-log-default-rate", defaultValue = "-1",
                description = "Access log sample rate, per million, of requests that reach no pool (errors are " +
                              "always logged when >= 0); -1 logs none. Pools use their BackendPolicy logging. " +
                              "Default: ${DEFAULT-VALUE}.")
        int accessLogDefaultRate = -1;

        // API management's admin REST API (see docs/api-management.md).
        @Option(names = "--admin-token-file", paramLabel = "FILE",
                description = "File whose content is the admin token of the API management admin API on the " +
                              "admin listener (else $SLUICE_ADMIN_TOKEN). Without a token that API is disabled.")
        @Nullable Path adminTokenFile;

        // The store the admin API manages; by default the api-management extension's dataDir or keyStore.
        @CommandLine.Mixin
        StoreLocation apimStore = new StoreLocation();

        /** Returns the admin token from the file or the environment, or {@code null} when none is configured. */
        @Nullable String adminToken() throws java.io.IOException {
            if (adminTokenFile != null) {
                final String t = Files.readString(adminTokenFile).strip();
                if (t.isEmpty()) {
                    throw new IllegalArgumentException("--admin-token-file: " + adminTokenFile + " is empty");
                }
                return t;
            }
            final String env = System.getenv("SLUICE_ADMIN_TOKEN");
            return env == null || env.isBlank() ? null : env.strip();
        }

        @Option(names = "--safety-rules-only",
                description = "Safety screening with the rules stage only (no learned stage; faster start).")
        boolean rulesOnly;

        /**
         * Serves API management's admin API with {@code adminToken} on the admin listener, over the store of
         * {@code --data-dir} or {@code --key-store} (or {@code $SLUICE_KEY_STORE}), else the one the
         * {@code api-management} extensions of {@code config} use; opened here, closed with the gateway.
         */
        void adminApi(GatewayServer.Options options, String adminToken, GatewayConfig config) {
            final StoreLocation store = apimStore.isDefault() ? configuredStore(config) : apimStore;
            final KeyStore keys = store.openKeyStore(java.time.Clock.systemUTC());
            final AnalyticsStore analytics;
            try {
                analytics = store.openAnalytics();
            } catch (RuntimeException e) {
                keys.close();
                throw e;
            }
            options.adminService(ApimAdminService.PATH, new ApimAdminService(
                           keys, analytics, adminToken, java.time.Clock.systemUTC()))
                   .closeAfter(keys).closeAfter(analytics);
        }

        /**
         * The store of the configuration's {@code api-management} extensions (their {@code keyStore}, else their
         * {@code dataDir}); the default data directory when there are none. Extensions on different stores leave the
         * choice to the options.
         */
        private StoreLocation configuredStore(GatewayConfig config) {
            final java.util.Map<Object, ApiManagementSettings> stores = new java.util.LinkedHashMap<>();
            for (var extension : config.trafficExtensions()) {
                for (var chain : extension.spec().extensionChains()) {
                    for (var e : chain.extensions()) {
                        if (ApiManagement.SERVICE.equals(e.service())) {
                            final ApiManagementSettings s = ApiManagementSettings.of(e.metadata());
                            stores.putIfAbsent(s.keyStore() != null ? s.keyStore()
                                                                    : s.dataDir().toAbsolutePath().normalize(), s);
                        }
                    }
                }
            }
            if (stores.size() > 1) {
                throw new IllegalArgumentException(
                        "the api-management extensions use " + stores.size() + " different stores; choose the " +
                        "admin API's with --data-dir or --key-store");
            }
            return stores.isEmpty() ? apimStore : StoreLocation.of(stores.values().iterator().next());
        }

        ObserveOptions observeOptions() {
            final ObserveOptions o = new ObserveOptions().metricNaming(MetricNaming.parse(metricsNames))
                                                         .traceSampleRatio(traceSampleRatio)
                                                         .accessLogDefault(accessLogDefaultRate);
            if (otlpEndpoint != null) {
                o.otlpEndpoint(otlpEndpoint);
            }
            return o;
        }

        @Override
        public Integer call() throws Exception {
            final Path path = configPath(config);
            if (!Files.exists(path)) {
                System.err.println("sluice: config not found: " + path);
                return 2;
            }
            final ObserveOptions observe;
            final String adminToken;
            try {
                observe = observeOptions();
                adminToken = adminToken();
            } catch (IllegalArgumentException | java.io.IOException e) {
                System.err.println("sluice: " + e.getMessage());
                return 2;
            }
            final GatewayServer gateway;
            // API management reads ApiProducts from the configuration being served, reloads included.
            final ApiManagement apim = ApiManagement.builder().build();
            observe.collector(apim.metrics());
            // Safety screening: detectors load once (a few seconds), templates follow reloads.
            final Safety safety = Safety.create(rulesOnly ? DefaultSafetyScanner::rulesOnly
                                                          : DefaultSafetyScanner::load);
            observe.collector(safety.metrics());
            try {
                final ExtensionRegistry registry = builtins(apim, safety);
                final GatewayConfig initial = ConfigLoader.load(path, GatewayServer.knownServices(registry));
                final AtomicReference<GatewayServer> running = new AtomicReference<>();
                apim.productsFromConfig(() -> running.get() != null ? running.get().snapshot().config() : initial);
                safety.templatesFromConfig(() -> running.get() != null ? running.get().snapshot().config()
                                                                       : initial);
                if (!initial.safetyTemplates().isEmpty()) {
                    safety.warmUp();
                }
                // API management closes after the listeners, so analytics of requests in flight are written.
                final GatewayServer.Options options = new GatewayServer.Options()
                        .admin(adminAddress, adminPort).registry(registry).watch(path).observe(observe)
                        .adminService(Safety.SANITIZE_PREFIX, safety.sanitizeService())
                        .closeAfter(apim).closeAfter(safety);
                if (adminToken != null) {
                    adminApi(options, adminToken, initial);
                }
                gateway = GatewayServer.start(initial, options);
                running.set(gateway);
            } catch (ConfigException e) {
                safety.close();
                apim.close();
                System.err.println("sluice: invalid configuration:\n" + e.getMessage());
                return 1;
            } catch (IllegalArgumentException | IllegalStateException | AnalyticsStoreException e) {
                // A bad --key-store, or a store that cannot be opened.
                apim.close();
                System.err.println("sluice: " + e.getMessage());
                return 1;
            }
            final CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                // Drains requests in flight, then flushes API management's analytics and closes its stores.
                gateway.close();
                stopped.countDown();
            }, "sluice-shutdown"));
            System.out.println("sluice: serving on 127.0.0.1:" + gateway.port() + " (admin 127.0.0.1:" +
                               gateway.adminPort() + ") with " + path);
            stopped.await();
            return 0;
        }
    }

    @Command(name = "check", description = "Validates a configuration and exits non-zero on errors.")
    static final class Check implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "A YAML file or a folder of them.")
        Path config = Path.of(".");

        @Override
        public Integer call() {
            try {
                final GatewayConfig c = ConfigLoader.load(config, GatewayServer.knownServices(builtins()));
                System.out.println("sluice: " + config + " is valid: " + c.gateways().size() + " gateway(s), " +
                                   c.httpRoutes().size() + " route(s), " + c.inferencePools().size() +
                                   " pool(s), " + c.modelServers().size() + " model server(s)");
                return 0;
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "sim", description = "Runs a standalone simulated vLLM-like model server.",
             mixinStandardHelpOptions = false)
    static final class Sim implements Callable<Integer> {
        @CommandLine.Unmatched
        String[] args = new String[0];

        @Override
        public Integer call() throws Exception {
            SimulatorMain.main(args);
            return 0;
        }
    }
}

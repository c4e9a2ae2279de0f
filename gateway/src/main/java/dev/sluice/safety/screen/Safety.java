package dev.sluice.safety.screen;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.server.HttpService;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.SafetyGuardSpec;
import dev.sluice.config.Resources.SafetyTemplateSpec;
import dev.sluice.config.SafetySettings;
import dev.sluice.extension.ExtensionFactory;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.guard.Guard;
import dev.sluice.safety.guard.Guards;
import dev.sluice.safety.template.SafetyTemplate;


/**
 * The safety module of one gateway process: it builds the {@code safety} extension for each configuration, serves
 * the sanitize API, and holds what outlives a reload: the detectors (loaded once), the blocking executor scans run
 * on, the guards and the metrics. Templates are read from the configuration being served, so reloads apply.
 *
 * <p>Register {@link #factory()} under {@link #SERVICE}, mount {@link #sanitizeService()} on the admin listener under
 * {@link #SANITIZE_PREFIX}, point {@link #templatesFromConfig(Supplier)} at the served snapshot, and register
 * {@link #metrics()} with the gateway's registry. Close it after the gateway.
 */
public final class Safety implements AutoCloseable {

    /** The service name configuration uses: {@code service: safety}. */
    public static final String SERVICE = "safety";
    /** Where the sanitize API is mounted on the admin listener. */
    public static final String SANITIZE_PREFIX = SanitizeService.PREFIX;

    private static final Logger logger = LoggerFactory.getLogger(Safety.class);

    private final Supplier<SafetyScanner> scanner;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    private final Map<SafetyGuardSpec, Guard> guards = new ConcurrentHashMap<>();
    private final Screener screener;
    private final SafetyMetrics metrics = new SafetyMetrics();
    private volatile Supplier<@Nullable GatewayConfig> config = () -> null;
    private volatile @Nullable Compiled compiled;

    /** The templates of one configuration snapshot, compiled once. */
    private record Compiled(GatewayConfig config, Map<String, SafetyTemplate> templates) {}

    private Safety(Supplier<SafetyScanner> scanner, @Nullable ExecutorService executor) {
        this.scanner = memoize(scanner);
        ownsExecutor = executor == null;
        this.executor = executor != null ? executor : newExecutor();
        screener = new Screener(this::scan, this.executor, this::guard, () -> metrics);
    }

    /**
     * Creates the module with {@code scanner}, built on first use (the production detectors take seconds to load),
     * and its own blocking executor (one thread per core).
     */
    public static Safety create(Supplier<SafetyScanner> scanner) {
        return new Safety(scanner, null);
    }

    /** Creates the module on a caller-owned executor (tests). */
    public static Safety create(Supplier<SafetyScanner> scanner, ExecutorService executor) {
        return new Safety(scanner, requireNonNull(executor, "executor"));
    }

    private dev.sluice.safety.Detection scan(String text, dev.sluice.safety.Direction d,
                                             java.util.Set<dev.sluice.safety.FilterKind> f) {
        return scanner.get().scan(text, d, f);
    }

    /** Loads the detectors now rather than on the first screened text. */
    public Safety warmUp() {
        scanner.get();
        return this;
    }

    /** Returns the factory of the {@code safety} extension. */
    public ExtensionFactory factory() {
        return spec -> new SafetyExtension(this, spec, SafetySettings.of(spec.metadata()));
    }

    /** Returns the sanitize API, to mount under {@link #SANITIZE_PREFIX} on the admin listener. */
    public HttpService sanitizeService() {
        return new SanitizeService(this);
    }

    /** Takes templates from the {@code SafetyTemplate} resources of the configuration {@code config} returns. */
    public Safety templatesFromConfig(Supplier<@Nullable GatewayConfig> config) {
        this.config = requireNonNull(config, "config");
        return this;
    }

    /** Returns the template named {@code name} in the served configuration, or {@code null}. */
    public @Nullable SafetyTemplate template(String name) {
        return templates().get(name);
    }

    /** Returns the names of the served templates, for messages. */
    String templateNames() {
        final var names = templates().keySet();
        return names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList());
    }

    private Map<String, SafetyTemplate> templates() {
        final GatewayConfig c = config.get();
        if (c == null) {
            return Map.of();
        }
        final Compiled known = compiled;
        if (known != null && known.config() == c) {
            return known.templates();
        }
        final Map<String, SafetyTemplate> byName = new LinkedHashMap<>();
        for (Resource<SafetyTemplateSpec> r : c.safetyTemplates()) {
            final SafetyTemplate t = SafetyTemplate.of(r.metadata().name(), r.spec());
            if (byName.putIfAbsent(t.name(), t) == null && t.logTemplateOperations()) {
                logger.info("safety template {} loaded from {}", t.name(), r.location());
            }
        }
        final Map<String, SafetyTemplate> result = Map.copyOf(byName);
        compiled = new Compiled(c, result);
        return result;
    }

    /** Returns the screener (detectors, guard, template). */
    public Screener screener() {
        return screener;
    }

    /**
     * Returns the {@code sluice_safety_*} metrics, to register with the gateway's registry (see
     * {@code ObserveOptions.collector}).
     */
    public SafetyMetrics metrics() {
        return metrics;
    }

    private Guard guard(SafetyGuardSpec spec) {
        return guards.computeIfAbsent(spec, Guards::create);
    }

    @Override
    public void close() {
        if (ownsExecutor) {
            executor.shutdownNow();
        }
    }

    private static ExecutorService newExecutor() {
        final AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            final Thread t = new Thread(r, "sluice-safety-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    private static <T> Supplier<T> memoize(Supplier<T> s) {
        return new Supplier<>() {
            private volatile @Nullable T value;

            @Override
            public T get() {
                final T v = value;
                return v != null ? v : load();
            }

            private synchronized T load() {
                T v = value;
                if (v == null) {
                    v = requireNonNull(s.get(), "scanner");
                    value = v;
                }
                return v;
            }
        };
    }
}

package dev.sluice.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.linecorp.armeria.client.WebClient;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;

import dev.sluice.config.ConfigLoader;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.proxy.ExchangeListener;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.simulator.SimulatorServer;

/** A gateway started from YAML in a temporary folder, with its simulated pools and clients, for tests. */
public final class TestGateway implements AutoCloseable {

    /**
     * Two pools like the quickstart's, with fast simulated servers: {@code llama} (servers llama-0 and llama-1,
     * base {@code meta-llama/Llama-3.1-8B-Instruct} with adapter {@code food-review}) and {@code gemma} (gemma-0).
     * {@code ${PORT}} is replaced by a free port.
     */
    public static final String TWO_POOLS = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              listeners: [{name: http, port: ${PORT}, protocol: HTTP}]
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: llama}
            spec:
              selector: {matchLabels: {app: llama}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: gemma}
            spec:
              selector: {matchLabels: {app: gemma}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: llama-0, labels: {app: llama}}
            spec:
              simulated: {model: meta-llama/Llama-3.1-8B-Instruct, loraAdapters: [food-review], timeToFirstToken: 2ms, interTokenLatency: 1ms, outputTokens: 8}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: llama-1, labels: {app: llama}}
            spec:
              simulated: {model: meta-llama/Llama-3.1-8B-Instruct, loraAdapters: [food-review], timeToFirstToken: 2ms, interTokenLatency: 1ms, outputTokens: 8}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: gemma-0, labels: {app: gemma}}
            spec:
              simulated: {model: google/gemma-3-1b-it, timeToFirstToken: 2ms, interTokenLatency: 1ms, outputTokens: 8}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: by-model}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches: [{headers: [{name: X-Gateway-Base-Model-Name, value: meta-llama/Llama-3.1-8B-Instruct}]}]
                backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: llama}]
              - matches: [{headers: [{name: X-Gateway-Base-Model-Name, value: google/gemma-3-1b-it}]}]
                backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: gemma}]
            """;

    /**
     * A pool {@code slow} whose server {@code slow-0} streams model {@code slow/model} slowly (20 ms a token, up to
     * 5000 tokens), so a client can leave mid-stream without racing the stream's end; add it to {@link #TWO_POOLS}.
     */
    public static final String SLOW_POOL = """
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: slow}
            spec:
              selector: {matchLabels: {app: slow}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: slow-0, labels: {app: slow}}
            spec:
              simulated: {model: slow/model, timeToFirstToken: 2ms, interTokenLatency: 20ms, outputTokens: 5000}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: slow}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches: [{headers: [{name: X-Gateway-Base-Model-Name, value: slow/model}]}]
                backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: slow}]
            """;

    private final GatewayServer server;
    private final Path dir;
    private final ConcurrentLinkedQueue<ExchangeRecord> records;

    private TestGateway(GatewayServer server, Path dir, ConcurrentLinkedQueue<ExchangeRecord> records) {
        this.server = server;
        this.dir = dir;
        this.records = records;
    }

    /** Starts a gateway on {@code yaml} (with {@code ${PORT}} filled in) written to {@code dir}/gateway.yaml. */
    public static TestGateway start(Path dir, String yaml, ExtensionRegistry registry) throws Exception {
        return start(dir, yaml, registry, options -> {});
    }

    /** Starts a gateway as {@link #start(Path, String, ExtensionRegistry)} does, with more options set by {@code more}. */
    public static TestGateway start(Path dir, String yaml, ExtensionRegistry registry,
                                    java.util.function.Consumer<GatewayServer.Options> more) throws Exception {
        return retryingBind(() -> startOnce(dir, yaml, registry, more));
    }

    /**
     * Runs {@code start} again when it fails to bind: a free port found by {@link #freePort()} can be taken before
     * the gateway binds it (its own simulators bind ephemeral ports first).
     */
    public static <T> T retryingBind(java.util.concurrent.Callable<T> start) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return start.call();
            } catch (CompletionException e) {
                if (attempt == 5 || !(e.getCause() instanceof java.net.BindException ||
                                      String.valueOf(e.getMessage()).contains("Address already in use"))) {
                    throw e;
                }
            }
        }
    }

    private static TestGateway startOnce(Path dir, String yaml, ExtensionRegistry registry,
                                         java.util.function.Consumer<GatewayServer.Options> more) throws Exception {
        final Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml.replace("${PORT}", String.valueOf(freePort())));
        final ConcurrentLinkedQueue<ExchangeRecord> records = new ConcurrentLinkedQueue<>();
        final GatewayServer.Options options =
                new GatewayServer.Options().admin("127.0.0.1", 0).registry(registry).watch(file)
                                           .listener(new ExchangeListener() {
                                               @Override
                                               public void onComplete(ExchangeRecord record) {
                                                   records.add(record);
                                               }
                                           });
        more.accept(options);
        final GatewayServer server =
                GatewayServer.start(ConfigLoader.load(file, GatewayServer.knownServices(registry)), options);
        return new TestGateway(server, dir, records);
    }

    /** Starts the two-pool gateway with no extra extensions. */
    public static TestGateway start(Path dir) throws Exception {
        return start(dir, TWO_POOLS, new ExtensionRegistry());
    }

    /** Returns a free loopback port. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public GatewayServer server() {
        return server;
    }

    public Path dir() {
        return dir;
    }

    /** Returns the records of the exchanges that ended so far. */
    public ConcurrentLinkedQueue<ExchangeRecord> records() {
        return records;
    }

    /** Rewrites the configuration file (the gateway reloads it). */
    public void rewriteConfig(String yaml) throws IOException {
        final Path tmp = dir.resolve("gateway.yaml.tmp");
        Files.writeString(tmp, yaml.replace("${PORT}", String.valueOf(server.port())));
        Files.move(tmp, dir.resolve("gateway.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                   java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Returns the official OpenAI client pointed at the gateway, without retries (so errors show as they are). */
    public OpenAIClient openAi() {
        return OpenAIOkHttpClient.builder().baseUrl(baseUrl() + "/v1").apiKey("unused").maxRetries(0)
                                 .timeout(Duration.ofSeconds(20)).build();
    }

    /** Returns a plain HTTP client pointed at the gateway. */
    public WebClient http() {
        return WebClient.builder(baseUrl()).responseTimeoutMillis(20_000).build();
    }

    /** Returns the simulator behind {@code ModelServer} {@code name}. */
    public SimulatorServer sim(String name) {
        final SimulatorServer s = server.simulator(name);
        if (s == null) {
            throw new IllegalArgumentException("no simulated ModelServer " + name);
        }
        return s;
    }

    @Override
    public void close() {
        server.close();
    }
}

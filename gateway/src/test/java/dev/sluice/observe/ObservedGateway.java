package dev.sluice.observe;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.config.ConfigLoader;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.proxy.ExchangeListener;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.server.GatewayServer;
import dev.sluice.server.TestGateway;
import dev.sluice.simulator.SimulatorServer;

/** A gateway started from YAML with observability options, collecting its records, for the observe tests. */
final class ObservedGateway implements AutoCloseable {

    private final GatewayServer server;
    private final Path file;
    private final ConcurrentLinkedQueue<ExchangeRecord> records;

    private ObservedGateway(GatewayServer server, Path file, ConcurrentLinkedQueue<ExchangeRecord> records) {
        this.server = server;
        this.file = file;
        this.records = records;
    }

    static ObservedGateway start(Path dir, String yaml, ExtensionRegistry registry, ObserveOptions options)
            throws Exception {
        return TestGateway.retryingBind(() -> startOnce(dir, yaml, registry, options));
    }

    private static ObservedGateway startOnce(Path dir, String yaml, ExtensionRegistry registry,
                                             ObserveOptions options) throws Exception {
        final Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, yaml.replace("${PORT}", String.valueOf(TestGateway.freePort())));
        final ConcurrentLinkedQueue<ExchangeRecord> records = new ConcurrentLinkedQueue<>();
        final GatewayServer server = GatewayServer.start(
                ConfigLoader.load(file, GatewayServer.knownServices(registry)),
                new GatewayServer.Options().admin("127.0.0.1", 0).registry(registry).watch(file).observe(options)
                                           .listener(new ExchangeListener() {
                                               @Override
                                               public void onComplete(ExchangeRecord record) {
                                                   records.add(record);
                                               }
                                           }));
        return new ObservedGateway(server, file, records);
    }

    GatewayServer server() {
        return server;
    }

    ConcurrentLinkedQueue<ExchangeRecord> records() {
        return records;
    }

    WebClient http() {
        return WebClient.builder("http://127.0.0.1:" + server.port()).responseTimeoutMillis(20_000).build();
    }

    WebClient admin() {
        return WebClient.builder("http://127.0.0.1:" + server.adminPort()).responseTimeoutMillis(20_000).build();
    }

    SimulatorServer sim(String name) {
        final SimulatorServer s = server.simulator(name);
        if (s == null) {
            throw new IllegalArgumentException("no simulated ModelServer " + name);
        }
        return s;
    }

    /** Sends a JSON POST with the given extra headers (name, value, ...) and waits for its record. */
    ExchangeRecord post(String id, String path, String body, String... headers) {
        final var h = RequestHeaders.builder(HttpMethod.POST, path)
                                                       .contentType(MediaType.JSON).set("x-request-id", id);
        for (int i = 0; i < headers.length; i += 2) {
            h.set(headers[i], headers[i + 1]);
        }
        final AggregatedHttpResponse res = http().execute(h.build(), body).aggregate().join();
        return awaitRecord(id, res);
    }

    ExchangeRecord awaitRecord(String id, AggregatedHttpResponse unused) {
        await().atMost(Duration.ofSeconds(10))
               .until(() -> records.stream().anyMatch(r -> r.requestId().equals(id)));
        return records.stream().filter(r -> r.requestId().equals(id)).findFirst().orElseThrow();
    }

    /** Returns /metrics in the Prometheus text format. */
    String scrapeText() {
        return admin().get("/metrics").aggregate().join().contentUtf8();
    }

    Exposition scrape() {
        return Exposition.parse(scrapeText());
    }

    /** Rewrites the configuration file (the gateway reloads it). */
    void rewriteConfig(String yaml) throws IOException {
        final Path tmp = file.resolveSibling("gateway.yaml.tmp");
        Files.writeString(tmp, yaml.replace("${PORT}", String.valueOf(server.port())));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() {
        server.close();
    }
}

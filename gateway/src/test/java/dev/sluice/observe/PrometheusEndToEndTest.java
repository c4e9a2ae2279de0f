package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.TestGateway;

/**
 * The seed's alert rules and the Grafana dashboard against a real Prometheus scraping a running gateway.
 *
 * <p>The test starts {@code prometheus} (the Debian package's binary) on a free loopback port with a temporary
 * configuration and storage: it scrapes the gateway's {@code /metrics} and the simulated model servers every second
 * and loads the verbatim {@code deploy/prometheus/alerts.yaml}. Traffic then goes through three phases:
 * <ol>
 *   <li>healthy requests: no rule condition holds;</li>
 *   <li>the {@code chat} pool's server fails 30% of requests (status 500) and answers slowly: the error-rate
 *       condition holds for its model, the pool conditions still do not;</li>
 *   <li>60 long-prompt requests flood the {@code batch} pool's server, whose KV cache (8192 blocks of 16 tokens)
 *       fits about six of them: those run (KV cache over 90% used) and the rest wait, so the queue (&gt; 50) and KV (&gt; 0.9)
 *       conditions hold for {@code batch} and not for {@code chat}.</li>
 * </ol>
 * The seed's thresholds are used unchanged; only the error rule's rate windows are shortened from 5m to 10s (the
 * pool rules have no window). The verbatim rules, with their 5-minute {@code for}, must load, evaluate without error
 * and become pending. Every dashboard expression must evaluate without error. Skipped only when {@code prometheus}
 * is not installed ({@code .ci/run} installs it).
 */
class PrometheusEndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static final String ERROR_RATE = "sum by (model_name) (rate(inference_model_request_error_total[10s])) / " +
                                     "sum by (model_name) (rate(inference_model_request_total[10s])) > 0.05";
    static final String QUEUE = "inference_pool_average_queue_size > 50";
    static final String KV_CACHE = "inference_pool_average_kv_cache_utilization > 0.9";

    static final String CONFIG = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              listeners: [{name: http, port: ${PORT}, protocol: HTTP}]
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: chat}
            spec:
              selector: {matchLabels: {app: chat}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata:
              name: batch
              # The flood must reach the server's own queue, which the seed's queue rule watches; with flow control
              # on, the gateway would hold the excess back instead.
              annotations: {sluice.dev/flow-control: "off"}
            spec:
              selector: {matchLabels: {app: batch}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: chat-0, labels: {app: chat}}
            spec:
              simulated: {model: chat-model, timeToFirstToken: 2ms, interTokenLatency: 1ms, outputTokens: 8}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: batch-0, labels: {app: batch}}
            spec:
              # The batching engine with an H100 8B profile: a 20,000-token prompt fills its KV blocks in a fraction
              # of a second, then decodes for minutes, so six requests hold the cache and the rest wait.
              simulated: {model: batch-model, profile: llama-8b-h100, kvCacheBlocks: 8192, outputTokens: 100000}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: by-model}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches: [{headers: [{name: X-Gateway-Base-Model-Name, value: chat-model}]}]
                backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: chat}]
              - matches: [{headers: [{name: X-Gateway-Base-Model-Name, value: batch-model}]}]
                backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: batch}]
            """;

    @TempDir
    Path dir;
    private ObservedGateway gw;
    private Process prometheus;
    private final AtomicBoolean trafficOn = new AtomicBoolean(true);
    private Thread traffic;
    private final List<HttpResponse> floods = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String prometheusUrl;

    static Path prometheusBinary() {
        for (String d : List.of("/usr/bin", "/usr/local/bin")) {
            if (Files.isExecutable(Path.of(d, "prometheus"))) {
                return Path.of(d, "prometheus");
            }
        }
        final String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (Files.isExecutable(Path.of(d, "prometheus"))) {
                    return Path.of(d, "prometheus");
                }
            }
        }
        return null;
    }

    @AfterEach
    void stop() throws Exception {
        trafficOn.set(false);
        if (traffic != null) {
            traffic.join(5000);
        }
        floods.forEach(HttpResponse::abort);
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void seedRulesAndDashboardAgainstRealPrometheus() throws Exception {
        final Path binary = prometheusBinary();
        assumeTrue(binary != null, "prometheus is not installed (apt-get install prometheus)");
        final Path deploy = PromtoolRulesTest.deploy();

        gw = ObservedGateway.start(dir, CONFIG, new ExtensionRegistry(), new ObserveOptions());
        final int port = TestGateway.freePort();
        prometheusUrl = "http://127.0.0.1:" + port;
        final Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                - %s
                scrape_configs:
                - job_name: sluice
                  static_configs: [{targets: ['127.0.0.1:%d']}]
                - job_name: model-servers
                  static_configs: [{targets: ['127.0.0.1:%d', '127.0.0.1:%d']}]
                """.formatted(deploy.resolve("prometheus/alerts.yaml").toAbsolutePath(), gw.server().adminPort(),
                              gw.sim("chat-0").port(), gw.sim("batch-0").port()));
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                                        "--storage.tsdb.path=" + dir.resolve("data"),
                                        "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
               .until(() -> get("/-/ready").contains("Ready"));

        // Phase 1: healthy traffic. Nothing holds.
        final AtomicInteger sent = new AtomicInteger();
        traffic = Thread.ofPlatform().daemon().name("chat-traffic").start(() -> chatTraffic(sent));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
               .until(() -> !query("rate(inference_model_request_total{model_name=\"chat-model\"}[10s]) > 0")
                       .isEmpty());
        assertThat(query("up")).hasSize(3).allSatisfy(s -> assertThat(s.get("value").get(1).asString())
                                                               .isEqualTo("1"));
        assertThat(query(ERROR_RATE)).isEmpty();
        assertThat(query(QUEUE)).isEmpty();
        assertThat(query(KV_CACHE)).isEmpty();

        // Phase 2: the chat server fails 30% of requests, slowly. The error rule holds for chat-model only.
        gw.sim("chat-0").faults().errorRate(0.3).errorStatus(500).extraLatency(Duration.ofMillis(30));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
               .until(() -> !query(ERROR_RATE).isEmpty());
        assertThat(labels(query(ERROR_RATE), "model_name")).containsExactly("chat-model");
        assertThat(query(QUEUE)).isEmpty();
        assertThat(query(KV_CACHE)).isEmpty();

        // Phase 3: flood the batch pool past its KV cache. The pool rules hold for batch only.
        final WebClient client = WebClient.builder("http://127.0.0.1:" + gw.server().port())
                                          .responseTimeoutMillis(0).maxResponseLength(0).build();
        final String filler = "lorem ipsum dolor sit amet ".repeat(3000).substring(0, 79_990);
        for (int i = 0; i < 60; i++) {
            final String prompt = String.format("%08d ", i) + filler + "!"; // 80000 characters: 20000 tokens
            final HttpResponse res = client.execute(
                    RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON).build(),
                    "{\"model\":\"batch-model\",\"max_tokens\":100000,\"prompt\":\"" + prompt + "\"}");
            res.whenComplete().exceptionally(t -> null);
            floods.add(res);
        }
        await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(500))
               .until(() -> !query(QUEUE).isEmpty() && !query(KV_CACHE).isEmpty());
        assertThat(labels(query(QUEUE), "name")).containsExactly("batch");
        assertThat(labels(query(KV_CACHE), "name")).containsExactly("batch");
        assertThat(Double.parseDouble(query("inference_pool_average_queue_size{name=\"batch\"}").get(0)
                                              .get("value").get(1).asString())).isGreaterThan(50);

        // The verbatim rules: loaded, healthy, and pending (their `for: 5m` has not elapsed) where conditions hold.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            final JsonNode rules = api("/api/v1/rules").get("groups").get(0).get("rules");
            final Set<String> pending = new HashSet<>();
            assertThat(rules).hasSize(4);
            for (JsonNode rule : rules) {
                assertThat(rule.get("health").asString()).as(rule.toString()).isEqualTo("ok");
                if ("pending".equals(rule.get("state").asString())) {
                    pending.add(rule.get("name").asString());
                }
            }
            assertThat(pending).contains("HighInferenceErrorRate", "HighInferencePoolAvgQueueSize",
                                         "HighInferencePoolAvgKVCacheUtilization");
        });
        // Each verbatim expression's measured side returns series from Sluice's metrics.
        for (JsonNode rule : api("/api/v1/rules").get("groups").get(0).get("rules")) {
            final String expr = rule.get("query").asString();
            final String measured = expr.substring(0, expr.lastIndexOf('>')).trim();
            assertThat(query(measured)).as(measured).isNotEmpty();
        }

        // Every dashboard expression evaluates; the gateway's golden signals have data.
        final JsonNode dashboard = JSON.readTree(deploy.resolve("grafana/sluice-inference-gateway.json").toFile());
        final List<String> empty = new ArrayList<>();
        int expressions = 0;
        for (JsonNode panel : dashboard.get("panels")) {
            if (!panel.has("targets")) {
                continue;
            }
            for (JsonNode target : panel.get("targets")) {
                final String expr = target.get("expr").asString().replace("$__rate_interval", "10s")
                                          .replace("$model", ".*").replace("$pool", ".*");
                expressions++;
                final JsonNode res = api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
                assertThat(res).as(expr).isNotNull();
                if (res.get("result").isEmpty()) {
                    empty.add(panel.get("title").asString() + ": " + expr);
                }
            }
        }
        assertThat(expressions).isGreaterThan(40);
        // Only panels of things this traffic does not produce may be empty: no extensions are configured, the
        // failures are relayed model-server statuses (no gateway-made proxyStatus), nothing is streamed (TTFT),
        // and the simulator does not export vllm:e2e_request_latency_seconds.
        assertThat(empty).allMatch(e -> e.contains("vllm:e2e_request_latency_seconds") ||
                                        e.contains("sluice_extension_calls_total") ||
                                        e.contains("sluice_error_detail_total") ||
                                        e.contains("inference_model_request_ttft_seconds"));
        assertThat(sent.get()).isPositive();
    }

    private void chatTraffic(AtomicInteger sent) {
        final WebClient client = WebClient.builder("http://127.0.0.1:" + gw.server().port())
                                          .responseTimeoutMillis(10_000).build();
        while (trafficOn.get()) {
            try {
                client.execute(RequestHeaders.builder(HttpMethod.POST, "/v1/completions")
                                             .contentType(MediaType.JSON).build(),
                               "{\"model\":\"chat-model\",\"prompt\":\"hello\",\"max_tokens\":4}")
                      .aggregate().join();
                sent.incrementAndGet();
                Thread.sleep(15);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // keep going: failures are part of the test
            }
        }
    }

    private static List<String> labels(List<JsonNode> result, String label) {
        return result.stream().map(s -> s.get("metric").get(label).asString()).toList();
    }

    private List<JsonNode> query(String promql) throws Exception {
        final JsonNode data = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        final List<JsonNode> out = new ArrayList<>();
        data.get("result").forEach(out::add);
        return out;
    }

    /** Calls the HTTP API and returns {@code data}, failing on any error. */
    private JsonNode api(String pathAndQuery) throws Exception {
        final String body = get(pathAndQuery);
        final JsonNode json = JSON.readTree(body);
        assertThat(json.get("status").asString()).as(pathAndQuery + " -> " + body).isEqualTo("success");
        return json.get("data");
    }

    private String get(String pathAndQuery) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(prometheusUrl + pathAndQuery))
                                    .timeout(Duration.ofSeconds(10)).build(), BodyHandlers.ofString()).body();
    }
}

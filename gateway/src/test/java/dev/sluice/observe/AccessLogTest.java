package dev.sluice.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.config.Resources.LoggingPolicy;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.proxy.ExtensionCallRecord;
import dev.sluice.proxy.GatewaySnapshot;
import dev.sluice.server.TestGateway;

/** Access log sampling per BackendPolicy, errors kept, the JSON fields, secrets kept out, and drops. */
class AccessLogTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** llama logs half of its requests (the seed's sampleRate), gemma logs none but its errors. */
    static final String POLICIES = TestGateway.TWO_POOLS + """
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: BackendPolicy
            metadata: {name: llama-logging}
            spec:
              targetRef: {group: inference.networking.x-k8s.io, kind: InferencePool, name: llama}
              default:
                logging: {enabled: true, sampleRate: 500000}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: BackendPolicy
            metadata: {name: gemma-errors-only}
            spec:
              targetRef: {group: inference.networking.k8s.io, kind: InferencePool, name: gemma}
              logging: {enabled: true, sampleRate: 0}
            """;

    @TempDir
    static Path dir;
    static GatewaySnapshot snapshot;

    @BeforeAll
    static void snapshot() throws Exception {
        snapshot = Snapshots.of(dir, POLICIES);
    }

    /* ------------------------------------------------------------------------------------ sampling */

    private static int logged(AccessLogSampler sampler, String pool, int n, int status) {
        int count = 0;
        final ExchangeRecord r = new RecordBuilder().pool(pool).status(status).build();
        for (int i = 0; i < n; i++) {
            if (sampler.shouldLog(r, snapshot)) {
                count++;
            }
        }
        return count;
    }

    @Test
    void sampleRate_isMetWithinStatisticalTolerance() {
        final int n = 200_000;
        final int kept = logged(new AccessLogSampler(null, new SplittableRandom(42)), "llama", n, 200);
        // Binomial(200000, 0.5): standard deviation 224; 5 deviations is a 1 in 1.7 million miss.
        assertThat(kept).isBetween(n / 2 - 1120, n / 2 + 1120);
        final AccessLogSampler tenth = new AccessLogSampler(new LoggingPolicy(true, 100_000), new SplittableRandom(7));
        final RecordBuilder unrouted = new RecordBuilder();
        unrouted.pool = null;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (tenth.shouldLog(unrouted.build(), snapshot)) {
                count++;
            }
        }
        // Binomial(200000, 0.1): standard deviation 134.
        assertThat(count).isBetween(20_000 - 670, 20_000 + 670);
    }

    @Test
    void sampling_isDeterministicWithASeed() {
        final AccessLogSampler a = new AccessLogSampler(null, new SplittableRandom(99));
        final AccessLogSampler b = new AccessLogSampler(null, new SplittableRandom(99));
        final ExchangeRecord r = new RecordBuilder().pool("llama").build();
        final List<Boolean> da = new ArrayList<>();
        final List<Boolean> db = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            da.add(a.shouldLog(r, snapshot));
            db.add(b.shouldLog(r, snapshot));
        }
        assertThat(da).isEqualTo(db).contains(true, false);
    }

    @Test
    void errors_areLoggedWhateverTheSampleRate() {
        final AccessLogSampler sampler = new AccessLogSampler(null, new SplittableRandom(1));
        assertThat(logged(sampler, "gemma", 1000, 200)).isZero();
        assertThat(logged(sampler, "gemma", 1000, 500)).isEqualTo(1000);
        assertThat(logged(sampler, "gemma", 1000, 429)).isEqualTo(1000);
        assertThat(logged(sampler, "llama", 1000, 503)).isEqualTo(1000);
        final ExchangeRecord reset = new RecordBuilder().pool("gemma").status(200)
                                                        .error("http_response_incomplete; details=\"upstream_reset\"")
                                                        .build();
        assertThat(sampler.shouldLog(reset, snapshot)).isTrue();
    }

    @Test
    void poolsWithoutPolicy_andUnroutedByDefault_logNothing() throws Exception {
        final GatewaySnapshot none = Snapshots.of(dir, TestGateway.TWO_POOLS);
        final AccessLogSampler sampler = new AccessLogSampler(null, new SplittableRandom(1));
        assertThat(sampler.shouldLog(new RecordBuilder().pool("llama").status(500).build(), none)).isFalse();
        final RecordBuilder unrouted = new RecordBuilder().status(404).error("destination_not_found; details=\"no_route\"");
        unrouted.pool = null;
        assertThat(sampler.shouldLog(unrouted.build(), snapshot)).isFalse();
        // The gateway-wide default applies to exchanges with no pool; rate 0 keeps errors only.
        final AccessLogSampler errorsOnly = new AccessLogSampler(new LoggingPolicy(true, 0), new SplittableRandom(1));
        assertThat(errorsOnly.shouldLog(unrouted.build(), snapshot)).isTrue();
        assertThat(errorsOnly.shouldLog(unrouted.status(200).error(null).build(), snapshot)).isFalse();
        // A disabled policy logs nothing, errors included.
        final GatewaySnapshot disabled = Snapshots.of(dir, TestGateway.TWO_POOLS + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: BackendPolicy
                metadata: {name: off}
                spec:
                  targetRef: {group: inference.networking.k8s.io, kind: InferencePool, name: llama}
                  logging: {enabled: false, sampleRate: 1000000}
                """);
        assertThat(sampler.shouldLog(new RecordBuilder().pool("llama").status(500).build(), disabled)).isFalse();
    }

    /* ------------------------------------------------------------------------------------ format */

    @Test
    void format_hasTheFieldsAsJson() {
        final RecordBuilder b = new RecordBuilder().error("http_request_denied; details=\"extension quota\"")
                                                   .status(429);
        b.stream = true;
        b.ttftNanos = 12_345_678;
        b.cachedTokens = 4;
        b.objective = "batch";
        b.priority = -1;
        b.path = "/v1/chat/completions";
        b.model = "we\"ird\nmodel";
        b.calls.add(new ExtensionCallRecord("quota", "RequestHeaders", "immediate", 1, 2_500));
        final JsonNode j = JSON.readTree(AccessLogFormat.format(b.build()));
        assertThat(j.get("time").asString()).isEqualTo("2025-11-24T16:00:00.123456Z");
        assertThat(j.get("requestId").asString()).isEqualTo("req-1");
        assertThat(j.get("traceId").asString()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(j.get("spanId").asString()).isEqualTo("b7ad6b7169203331");
        assertThat(j.get("clientAddress").asString()).isEqualTo("10.1.2.3");
        assertThat(j.get("method").asString()).isEqualTo("POST");
        assertThat(j.get("path").asString()).isEqualTo("/v1/chat/completions");
        assertThat(j.get("status").asInt()).isEqualTo(429);
        assertThat(j.get("route").asString()).isEqualTo("by-model");
        assertThat(j.get("pool").asString()).isEqualTo("llama");
        assertThat(j.get("endpoint").asString()).isEqualTo("10.0.0.12:8000");
        assertThat(j.get("model").asString()).isEqualTo("we\"ird\nmodel");
        assertThat(j.get("targetModel").asString()).isEqualTo("food-review");
        assertThat(j.get("objective").asString()).isEqualTo("batch");
        assertThat(j.get("priority").asInt()).isEqualTo(-1);
        assertThat(j.get("stream").asBoolean()).isTrue();
        assertThat(j.get("attempts").asInt()).isEqualTo(1);
        assertThat(j.get("requestBytes").asLong()).isEqualTo(120);
        assertThat(j.get("responseBytes").asLong()).isEqualTo(900);
        assertThat(j.get("latencyMs").asDouble()).isEqualTo(250.0);
        assertThat(j.get("upstreamLatencyMs").asDouble()).isEqualTo(240.0);
        assertThat(j.get("ttftMs").asDouble()).isEqualTo(12.345);
        assertThat(j.get("inputTokens").asLong()).isEqualTo(12);
        assertThat(j.get("outputTokens").asLong()).isEqualTo(30);
        assertThat(j.get("cachedTokens").asLong()).isEqualTo(4);
        assertThat(j.get("proxyStatus").asString()).isEqualTo("http_request_denied; details=\"extension quota\"");
        final JsonNode ext = j.get("extensions").get(0);
        assertThat(ext.get("name").asString()).isEqualTo("quota");
        assertThat(ext.get("event").asString()).isEqualTo("RequestHeaders");
        assertThat(ext.get("outcome").asString()).isEqualTo("immediate");
        assertThat(ext.get("latencyMs").asDouble()).isEqualTo(0.002);
    }

    @Test
    void format_timeIsRfc3339WithMicroseconds() {
        final java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter
                .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 10_000; i++) {
            final long micros = random.nextLong(-1_000_000_000_000L, 4_000_000_000_000_000L);
            final StringBuilder b = new StringBuilder();
            AccessLogFormat.time(b, micros);
            assertThat(b.toString()).isEqualTo(f.format(java.time.Instant.EPOCH.plus(micros,
                                                                                     java.time.temporal.ChronoUnit.MICROS)));
        }
    }

    @Test
    void format_omitsUnknowns() {
        final RecordBuilder b = new RecordBuilder();
        b.pool = null;
        b.endpoint = null;
        b.route = null;
        b.upstreamNanos = -1;
        b.inputTokens = -1;
        final JsonNode j = JSON.readTree(AccessLogFormat.format(b.build()));
        assertThat(j.has("pool")).isFalse();
        assertThat(j.has("endpoint")).isFalse();
        assertThat(j.has("upstreamLatencyMs")).isFalse();
        assertThat(j.has("inputTokens")).isFalse();
        assertThat(j.has("ttftMs")).isFalse();
        assertThat(j.has("proxyStatus")).isFalse();
        assertThat(j.has("extensions")).isFalse();
    }

    /* ------------------------------------------------------------------------------------ writer */

    @Test
    void fullQueue_dropsAndCounts() throws Exception {
        final CountDownLatch release = new CountDownLatch(1);
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        final AtomicInteger dropped = new AtomicInteger();
        final AccessLogSampler all = new AccessLogSampler(new LoggingPolicy(true, 1_000_000), new SplittableRandom());
        final RecordBuilder b = new RecordBuilder();
        b.pool = null;
        try (AccessLog log = new AccessLog(all, line -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            lines.add(line);
        }, dropped::incrementAndGet, 4)) {
            for (int i = 0; i < 50; i++) {
                log.offer(b.id("r" + i).build(), snapshot);
            }
            // The queue holds 4; the blocked writer may already hold one batch of up to 4 more.
            assertThat(dropped.get()).isBetween(50 - 8, 50 - 4);
            release.countDown();
            assertThat(log.flush(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(lines.size() + dropped.get()).isEqualTo(50);
    }

    /* ------------------------------------------------------------------------------------ end to end */

    @Test
    void gateway_logsSampledLinesWithoutSecrets(@TempDir Path gwDir) throws Exception {
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        final String yaml = POLICIES.replace("sampleRate: 500000", "sampleRate: 1000000");
        try (ObservedGateway gw = ObservedGateway.start(gwDir, yaml, new ExtensionRegistry(),
                                                        new ObserveOptions().accessLogSink(lines::add)
                                                                            .accessLogDefault(0))) {
            final var headers = RequestHeaders.builder(HttpMethod.POST, "/v1/completions?key=query-secret")
                                              .contentType(MediaType.JSON)
                                              .set("authorization", "Bearer sk-auth-secret")
                                              .set("x-api-key", "api-key-secret")
                                              .set("cookie", "session=cookie-secret")
                                              .set("x-request-id", "secret-test")
                                              .build();
            final String body = "{\"model\":\"food-review\",\"prompt\":\"prompt-secret words\",\"max_tokens\":3}";
            assertThat(gw.http().execute(headers, body).aggregate().join().status().code()).isEqualTo(200);
            // gemma logs only errors; an unrouted 404 is logged by the default (rate 0: errors only).
            assertThat(gw.post("gemma-ok", "/v1/completions",
                               "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\"}").status()).isEqualTo(200);
            gw.sim("gemma-0").faults().errorRate(1);
            assertThat(gw.post("gemma-err", "/v1/completions",
                               "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\"}").status()).isEqualTo(500);
            gw.sim("gemma-0").faults().reset();
            assertThat(gw.post("no-route", "/v1/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}").status())
                    .isEqualTo(404);
            assertThat(gw.server().observability().accessLog().flush(Duration.ofSeconds(5))).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() >= 3);

            final Map<String, JsonNode> byId = new java.util.HashMap<>();
            for (String line : lines) {
                final JsonNode j = JSON.readTree(line);
                byId.put(j.get("requestId").asString(), j);
                for (String secret : List.of("query-secret", "sk-auth-secret", "api-key-secret", "cookie-secret",
                                             "prompt-secret", "Bearer")) {
                    assertThat(line).doesNotContain(secret);
                }
            }
            assertThat(byId).containsOnlyKeys("secret-test", "gemma-err", "no-route");
            final JsonNode ok = byId.get("secret-test");
            assertThat(ok.get("path").asString()).isEqualTo("/v1/completions");
            assertThat(ok.get("pool").asString()).isEqualTo("llama");
            assertThat(ok.get("outputTokens").asInt()).isEqualTo(3);
            assertThat(byId.get("gemma-err").get("status").asInt()).isEqualTo(500);
            assertThat(byId.get("no-route").get("proxyStatus").asString())
                    .isEqualTo("destination_not_found; details=\"no_route\"");
        }
    }
}

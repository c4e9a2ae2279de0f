package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SplitHttpResponse;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.apim.analytics.AnalyticsQuery;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsWriter;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.limit.InMemoryRateLimiter;
import dev.sluice.apim.limit.Quota;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.observe.ObserveOptions;
import dev.sluice.proxy.ExchangeRecord;
import dev.sluice.server.TestGateway;

/**
 * Analytics and settlement through a running gateway: one record per request with the exchange's exact facts, keys
 * in no record or log line, and a client that leaves mid-stream settled at once (no garbage collection involved).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiManagementAnalyticsTest {

    static final String APIM = """
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ApiProduct
            metadata: {name: gold}
            spec:
              models: ["google/*", "meta-llama/*", "slow/*"]
              operations: [{path: /v1/**}]
              quotas:
              - {limit: 1000000, interval: 1, timeUnit: day, counts: totalTokens}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ApiProduct
            metadata: {name: tiny}
            spec:
              models: ["google/*"]
              quotas:
              - {limit: 1, interval: 1, timeUnit: day}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: TrafficExtension
            metadata: {name: apim}
            spec:
              targetRefs: [{name: gw}]
              extensionChains:
              - name: apim
                matchCondition: {celExpressions: [{celMatcher: 'request.path.startsWith("/v1/")'}]}
                extensions:
                - name: api-management
                  service: api-management
                  supportedEvents: [RequestHeaders, RequestBody, ResponseHeaders, ResponseBody]
                  metadata: {cacheSync: 100ms}
            """;

    @TempDir
    static Path dir;
    static SqliteKeyStore keys;
    static JdbcAnalyticsStore analytics;
    static InMemoryRateLimiter limiter;
    static ApiManagement apim;
    static TestGateway gateway;
    static ListAppender<ILoggingEvent> logs;
    static Level rootLevel;
    static CreatedKey gold;
    static CreatedKey tiny;
    static String developerId;

    @BeforeAll
    static void start() throws Exception {
        final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.DEBUG);
        logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);

        keys = SqliteKeyStore.open(dir.resolve("data"), java.time.Clock.systemUTC());
        analytics = JdbcAnalyticsStore.sqlite(dir.resolve("data"));
        limiter = new InMemoryRateLimiter(java.time.Clock.systemUTC());
        developerId = keys.createDeveloper("ada@example.com", "Ada", null).id();
        gold = keys.createKey(keys.createApp("ada@example.com", "gold-app", List.of("gold")).id(), null);
        tiny = keys.createKey(keys.createApp("ada@example.com", "tiny-app", List.of("tiny")).id(), null);
        apim = ApiManagement.builder().keyStore(keys).analyticsStore(analytics).limiter(limiter)
                            .analyticsOptions(new AnalyticsWriter.Options(10_000, 100, Duration.ofMillis(20),
                                                                          Duration.ofMillis(5),
                                                                          Duration.ofSeconds(20)))
                            .build();
        final AtomicReference<TestGateway> running = new AtomicReference<>();
        apim.productsFromConfig(() -> running.get() != null ? running.get().server().snapshot().config() : null);
        gateway = TestGateway.start(dir, TestGateway.TWO_POOLS + TestGateway.SLOW_POOL + APIM,
                                    new ExtensionRegistry().register(ApiManagement.SERVICE, apim.factory()),
                                    o -> o.closeAfter(apim).observe(new ObserveOptions().collector(apim.metrics())));
        running.set(gateway);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        analytics.close();
        keys.close();
        final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(logs);
        root.setLevel(rootLevel);
    }

    static AggregatedHttpResponse post(String id, String body, String... headers) {
        final var b = RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON)
                                    .add("x-request-id", id);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return gateway.http().execute(b.build(), body).aggregate().join();
    }

    static AnalyticsRecord recordOf(String requestId) {
        final AtomicReference<AnalyticsRecord> found = new AtomicReference<>();
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            for (AnalyticsRecord r : analytics.records(AnalyticsQuery.all(), 10_000)) {
                if (r.requestId().equals(requestId)) {
                    found.set(r);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    static ExchangeRecord exchangeOf(String requestId) {
        await().atMost(10, TimeUnit.SECONDS).until(
                () -> gateway.records().stream().anyMatch(r -> r.requestId().equals(requestId)));
        return gateway.records().stream().filter(r -> r.requestId().equals(requestId)).findFirst().orElseThrow();
    }

    /** Waits until the key cache has the keys (it syncs every 100 ms). */
    static void awaitKey(CreatedKey k) {
        await().atMost(10, TimeUnit.SECONDS).until(
                () -> post("warm-" + System.nanoTime(), "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\"," +
                                                        "\"max_tokens\":1}",
                           "x-api-key", k.secret()).status() != HttpStatus.UNAUTHORIZED);
    }

    @Test
    @Order(1)
    void anAdmittedRequest_isRecordedWithTheExchangesExactFacts() {
        awaitKey(gold);
        final AggregatedHttpResponse r = post("an-1", "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"Say hi\"," +
                                                      "\"max_tokens\":5}", "x-api-key", gold.secret());
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        final AnalyticsRecord a = recordOf("an-1");
        final ExchangeRecord x = exchangeOf("an-1");
        assertThat(a.keyId()).isEqualTo(gold.key().id());
        assertThat(a.appId()).isEqualTo(gold.key().appId());
        assertThat(a.developerId()).isEqualTo(developerId);
        assertThat(a.product()).isEqualTo("gold");
        assertThat(a.model()).isEqualTo("google/gemma-3-1b-it");
        assertThat(a.targetModel()).isEqualTo(x.targetModel()).isEqualTo("google/gemma-3-1b-it");
        assertThat(a.pool()).isEqualTo("gemma");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.errorCode()).isNull();
        assertThat(a.inputTokens()).isEqualTo(x.inputTokens()).isPositive();
        assertThat(a.outputTokens()).isEqualTo(x.outputTokens()).isEqualTo(5);
        assertThat(a.cachedTokens()).isEqualTo(Math.max(0, x.cachedTokens()));
        assertThat(a.requestBytes()).isEqualTo(x.requestBytes()).isPositive();
        assertThat(a.responseBytes()).isEqualTo(x.responseBytes()).isEqualTo(r.content().length());
        assertThat(a.totalLatencyMicros()).isEqualTo(x.totalNanos() / 1000).isPositive();
        assertThat(a.upstreamLatencyMicros()).isEqualTo(x.upstreamNanos() / 1000).isPositive()
                                             .isLessThanOrEqualTo(a.totalLatencyMicros());
        assertThat(a.time().toEpochMilli() * 1000).isEqualTo(x.startEpochMicros() / 1000 * 1000);
    }

    @Test
    @Order(2)
    void refusedRequests_areRecordedWithApigeesErrorCode() {
        assertThat(post("an-nokey", "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\"}").status().code())
                .isEqualTo(401);
        final AnalyticsRecord nokey = recordOf("an-nokey");
        assertThat(nokey.errorCode()).isEqualTo("steps.oauth.v2.FailedToResolveAPIKey");
        assertThat(nokey.keyId()).isNull();
        assertThat(nokey.appId()).isNull();
        assertThat(nokey.product()).isNull();
        assertThat(nokey.pool()).isNull();

        awaitKey(tiny); // uses the one request of the day
        assertThat(post("an-quota", "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\"}", "x-api-key",
                        tiny.secret()).status().code()).isEqualTo(429);
        final AnalyticsRecord quota = recordOf("an-quota");
        assertThat(quota.errorCode()).isEqualTo("policies.ratelimit.QuotaViolation");
        assertThat(quota.keyId()).isEqualTo(tiny.key().id());
        assertThat(quota.product()).isEqualTo("tiny");
        assertThat(quota.status()).isEqualTo(429);
        assertThat(quota.inputTokens() + quota.outputTokens()).isZero();
    }

    @Test
    @Order(3)
    void aStreamIsRecordedWithItsHiddenUsage() {
        final AggregatedHttpResponse r = post("an-stream", "{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\"," +
                                                           "\"prompt\":\"Tell me\",\"max_tokens\":6,\"stream\":true}",
                                              "authorization", "Bearer " + gold.secret());
        assertThat(r.status()).isEqualTo(HttpStatus.OK);
        assertThat(r.contentUtf8()).doesNotContain("\"usage\"");
        final AnalyticsRecord a = recordOf("an-stream");
        assertThat(a.pool()).isEqualTo("llama");
        assertThat(a.outputTokens()).isEqualTo(6);
        assertThat(a.inputTokens()).isEqualTo(exchangeOf("an-stream").inputTokens()).isPositive();
    }

    @Test
    @Order(4)
    void aClientThatLeavesMidStream_isChargedAtOnceForWhatWasGenerated() {
        final Quota daily = apim.catalog().get("gold").quotas().get(0);
        final String counter = "gold|app:" + gold.key().appId();
        // Other tests' requests are settled by now (their records exist).
        final long before = limiter.used(counter, daily);
        final HttpResponse res = gateway.http().execute(
                RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON,
                                  "x-request-id", "an-left", "x-api-key", gold.secret()),
                "{\"model\":\"slow/model\",\"prompt\":\"x\",\"stream\":true,\"max_tokens\":100000}");
        final SplitHttpResponse split = res.split();
        assertThat(split.headers().join().status()).isEqualTo(HttpStatus.OK);
        // The whole reservation is held while the stream runs.
        assertThat(limiter.used(counter, daily) - before).isGreaterThan(100_000);
        await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.sim("slow-0").stats().inFlight() > 0);
        res.abort();
        final AnalyticsRecord a = recordOf("an-left");
        // Settled when the exchange ended: the record says what was charged, and the counter agrees.
        assertThat(limiter.used(counter, daily) - before).isEqualTo(a.inputTokens() + a.outputTokens());
        assertThat(a.outputTokens()).isLessThan(100_000);
        assertThat(a.inputTokens()).isPositive();
    }

    @Test
    @Order(5)
    void keysNeverAppearInAnalyticsOrLogs() throws Exception {
        final List<String> secrets = List.of(gold.secret(), tiny.secret());
        final List<AnalyticsRecord> all = analytics.records(AnalyticsQuery.all(), 100_000);
        assertThat(all).hasSizeGreaterThan(5);
        for (AnalyticsRecord r : all) {
            for (String s : secrets) {
                assertThat(r.toString()).doesNotContain(s);
            }
        }
        // The database file itself, byte for byte.
        final String raw = new String(java.nio.file.Files.readAllBytes(dir.resolve("data/analytics.db")),
                                      java.nio.charset.StandardCharsets.ISO_8859_1);
        final Path wal = dir.resolve("data/analytics.db-wal");
        final String rawWal = java.nio.file.Files.exists(wal)
                              ? new String(java.nio.file.Files.readAllBytes(wal),
                                           java.nio.charset.StandardCharsets.ISO_8859_1) : "";
        for (String s : secrets) {
            assertThat(raw).doesNotContain(s);
            assertThat(rawWal).doesNotContain(s);
        }
        assertThat(logs.list).isNotEmpty();
        for (ILoggingEvent e : new ArrayList<>(logs.list)) {
            final String text = e.getFormattedMessage() +
                                (e.getThrowableProxy() != null ? ThrowableProxyUtil.asString(e.getThrowableProxy())
                                                               : "");
            for (String s : secrets) {
                assertThat(text).doesNotContain(s);
            }
        }
    }

    @Test
    @Order(6)
    void summariesGroupByProduct() {
        final List<AnalyticsQuery.Row> rows = analytics.summarize(new AnalyticsQuery(
                null, null, null, developerId, null, null, List.of(AnalyticsQuery.Dimension.PRODUCT)));
        assertThat(rows).extracting(r -> r.group().get(0)).containsExactlyInAnyOrder("gold", "tiny");
        final AnalyticsQuery.Row tinyRow = rows.stream().filter(r -> "tiny".equals(r.group().get(0)))
                                               .findFirst().orElseThrow();
        assertThat(tinyRow.errors()).isEqualTo(1);
        assertThat(Map.of("requests", tinyRow.requests())).containsEntry("requests", 2L);
    }

    @Test
    @Order(7)
    void metricsPerProductAndModel_areServedOnMetrics() {
        final String text = WebClientHolder.get("http://127.0.0.1:" + gateway.server().adminPort() + "/metrics");
        assertThat(text).contains(
                "sluice_apim_requests_total{model=\"google/gemma-3-1b-it\",outcome=\"ok\",product=\"gold\"}",
                "sluice_apim_requests_total{model=\"google/gemma-3-1b-it\",outcome=\"rate_limited\"," +
                "product=\"tiny\"} 1",
                // Refused at the headers: neither product nor model is known.
                "sluice_apim_requests_total{model=\"(not set)\",outcome=\"refused\",product=\"(not set)\"} 1",
                "sluice_apim_tokens_total{direction=\"output\",model=\"meta-llama/Llama-3.1-8B-Instruct\"," +
                "product=\"gold\"} 6",
                "sluice_apim_analytics_dropped_total 0");
        // The analytics of the stream's request and the counter agree.
        final long inputs = analytics.records(new AnalyticsQuery(null, "gold", "meta-llama/Llama-3.1-8B-Instruct",
                                                                 null, null, null, List.of()), 100)
                                     .stream().mapToLong(AnalyticsRecord::inputTokens).sum();
        assertThat(text).contains("sluice_apim_tokens_total{direction=\"input\"," +
                                  "model=\"meta-llama/Llama-3.1-8B-Instruct\",product=\"gold\"} " + inputs);
    }

    /** Plain GETs against the admin listener. */
    static final class WebClientHolder {
        static String get(String url) {
            return com.linecorp.armeria.client.WebClient.of().get(url).aggregate().join().contentUtf8();
        }
    }
}

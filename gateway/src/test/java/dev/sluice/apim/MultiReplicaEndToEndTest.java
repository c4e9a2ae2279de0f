package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;

import dev.sluice.apim.analytics.AnalyticsQuery;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.store.PostgresKeyStore;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.observe.ObserveOptions;
import dev.sluice.server.TestGateway;
import dev.sluice.testing.PostgresServer;
import dev.sluice.testing.RedisServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two real gateway replicas sharing one Redis (counters) and one PostgreSQL (keys), configured only through the
 * extension's metadata, as an operator would: many concurrent requests split across both are limited exactly, token
 * quotas do not overshoot, and when Redis dies the limiter fails closed with its 503 fault and recovers by itself
 * once Redis is back; every request of both replicas ends as exactly one record in the shared PostgreSQL analytics
 * table. Both replicas share a manual clock so that no window boundary falls inside the test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiReplicaEndToEndTest {

    @RegisterExtension
    static final RedisServer redis = new RedisServer();
    @RegisterExtension
    static final PostgresServer pg = new PostgresServer();

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final int REQUEST_QUOTA = 50;
    static final int TOKEN_QUOTA = 2000;
    static final int MAX_TOKENS = 40;

    @TempDir
    static Path dir;
    static ManualClock clock;
    static final List<ApiManagement> modules = new ArrayList<>();
    static final List<TestGateway> replicas = new ArrayList<>();
    static final Map<String, String> keys = new HashMap<>();
    /** Requests sent to each replica's /v1/ API, each of which must end as one analytics record. */
    static final AtomicInteger[] sent = { new AtomicInteger(), new AtomicInteger() };
    static String url;

    static String config(String jdbcUrl, String redisUri) {
        return TestGateway.TWO_POOLS + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: api-management}
                spec:
                  targetRefs: [{name: gw}]
                  extensionChains:
                  - name: apim
                    matchCondition:
                      celExpressions: [{celMatcher: 'request.path.startsWith("/v1/")'}]
                    extensions:
                    - name: api-management
                      service: api-management
                      supportedEvents: [RequestHeaders, RequestBody, ResponseHeaders, ResponseBody]
                      timeout: 10s
                      failOpen: false
                      metadata:
                        keyStore: "%s"
                        # Where SQLite files would go without the keyStore; nothing must appear there.
                        dataDir: "%s"
                        rateLimiter: "%s"
                        rateLimiterFailure: closed
                        # Generous: two gateways, their simulators and 200 concurrent requests share two cores.
                        rateLimiterTimeout: 5s
                        cacheSync: 250ms
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: ApiProduct
                metadata: {name: metered}
                spec:
                  models: [google/gemma-3-1b-it]
                  operations: [{path: /v1/completions, methods: [POST]}]
                  quotas:
                  - {limit: %d, interval: 1, timeUnit: hour}
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: ApiProduct
                metadata: {name: tokens}
                spec:
                  models: [google/gemma-3-1b-it]
                  operations: [{path: /v1/completions, methods: [POST]}]
                  quotas:
                  - {limit: %d, interval: 1, timeUnit: hour, counts: totalTokens}
                """.formatted(jdbcUrl, dir.resolve("data"), redisUri, REQUEST_QUOTA, TOKEN_QUOTA);
    }

    @BeforeAll
    static void start() throws Exception {
        clock = ManualClock.at("2026-03-10T12:00:05Z");
        url = pg.newDatabase();
        // Keys made before the replicas start, as `sluice keys create --key-store URL` would.
        try (PostgresKeyStore admin = PostgresKeyStore.open(url, clock)) {
            admin.createDeveloper("ada@example.com", null, null);
            for (String product : List.of("metered", "tokens", "spare")) {
                final App app = admin.createApp("ada@example.com", product + "-app",
                                                List.of("spare".equals(product) ? "metered" : product));
                keys.put(product, admin.createKey(app.id(), null).secret());
            }
        }
        final String yaml = config(url, redis.uri());
        for (int i = 0; i < 2; i++) {
            final ApiManagement apim = ApiManagement.builder().clock(clock).build();
            modules.add(apim);
            final AtomicReference<TestGateway> running = new AtomicReference<>();
            apim.productsFromConfig(() -> running.get() != null ? running.get().server().snapshot().config() : null);
            final Path replicaDir = Files.createDirectories(dir.resolve("replica-" + i));
            final TestGateway g = TestGateway.start(
                    replicaDir, yaml, new ExtensionRegistry().register(ApiManagement.SERVICE, apim.factory()),
                    options -> options.observe(new ObserveOptions().collector(apim.metrics())));
            running.set(g);
            replicas.add(g);
        }
    }

    @AfterAll
    static void stop() {
        replicas.forEach(TestGateway::close);
        modules.forEach(ApiManagement::close);
    }

    static CompletableFuture<AggregatedHttpResponse> send(TestGateway g, String key, int maxTokens) {
        sent[replicas.indexOf(g)].incrementAndGet();
        return g.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type",
                                                  MediaType.JSON, "x-api-key", key),
                                "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"Say hi\",\"max_tokens\":" +
                                maxTokens + '}').aggregate();
    }

    /** Fires {@code n} requests at once, alternating between the replicas, and waits for every answer. */
    static List<AggregatedHttpResponse> burst(int n, String key, int maxTokens) {
        final List<CompletableFuture<AggregatedHttpResponse>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            all.add(send(replicas.get(i % 2), key, maxTokens));
        }
        return all.stream().map(CompletableFuture::join).toList();
    }

    static String errorCode(AggregatedHttpResponse r) {
        return JSON.readTree(r.contentUtf8()).path("fault").path("detail").path("errorcode").asString();
    }

    @Test
    @Order(1)
    void bothReplicasServeTheSharedKeys_withTheOpenAiSdk() {
        for (TestGateway g : replicas) {
            sent[replicas.indexOf(g)].incrementAndGet();
            final OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(g.baseUrl() + "/v1")
                                                          .apiKey(keys.get("spare")).maxRetries(0)
                                                          .timeout(Duration.ofSeconds(20)).build();
            final Completion c = client.completions().create(
                    CompletionCreateParams.builder().model("google/gemma-3-1b-it").prompt("Say hi").maxTokens(5)
                                          .build());
            assertThat(c.model()).isEqualTo("google/gemma-3-1b-it");
        }
    }

    @Test
    @Order(2)
    void aRequestQuotaIsExactAcrossReplicas() {
        final List<AggregatedHttpResponse> answers = burst(4 * REQUEST_QUOTA, keys.get("metered"), 5);
        final Map<Integer, Integer> byStatus = new HashMap<>();
        final Map<Integer, Integer> okByReplica = new HashMap<>();
        for (int i = 0; i < answers.size(); i++) {
            final AggregatedHttpResponse r = answers.get(i);
            byStatus.merge(r.status().code(), 1, Integer::sum);
            if (r.status().code() == 200) {
                okByReplica.merge(i % 2, 1, Integer::sum);
            } else {
                assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(429);
                assertThat(errorCode(r)).isEqualTo("policies.ratelimit.QuotaViolation");
            }
        }
        System.out.printf("two replicas, request quota %d: %s%n", REQUEST_QUOTA, byStatus);
        assertThat(byStatus).containsOnlyKeys(200, 429);
        assertThat(byStatus.get(200)).isEqualTo(REQUEST_QUOTA);
        assertThat(byStatus.get(429)).isEqualTo(3 * REQUEST_QUOTA);
        // Each replica got 100 requests: with a count per replica, 100 would have passed, not 50. Which replica
        // admitted them is up to timing; both now refuse.
        assertThat(okByReplica.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(REQUEST_QUOTA);
        for (TestGateway g : replicas) {
            assertThat(send(g, keys.get("metered"), 5).join().status().code()).isEqualTo(429);
        }
    }

    @Test
    @Order(3)
    void aTokenQuotaDoesNotOvershootAcrossReplicas() {
        final List<AggregatedHttpResponse> answers = burst(200, keys.get("tokens"), MAX_TOKENS);
        long used = 0;
        int ok = 0;
        long largestReservation = 0;
        for (AggregatedHttpResponse r : answers) {
            if (r.status().code() == 200) {
                ok++;
                final JsonNode usage = JSON.readTree(r.contentUtf8()).path("usage");
                used += usage.path("total_tokens").asLong();
                largestReservation = Math.max(largestReservation, usage.path("prompt_tokens").asLong() + MAX_TOKENS);
            } else {
                assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(429);
                assertThat(errorCode(r)).isEqualTo("policies.llmtokenquota.LLMTokenQuotaViolation");
            }
        }
        System.out.printf("two replicas, token quota %d: %d of 200 admitted, %d tokens used, largest reservation %d%n",
                          TOKEN_QUOTA, ok, used, largestReservation);
        // Reservations (prompt estimate + max_tokens) stop admissions before the budget can be overspent.
        assertThat(ok).isPositive().isLessThan(200);
        assertThat(used).isLessThanOrEqualTo(TOKEN_QUOTA + largestReservation);
        // Once settled, the shared counter holds what was really used (the simulator stops before max_tokens).
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            final long counted = counted("tokens");
            assertThat(counted).isLessThanOrEqualTo(TOKEN_QUOTA);
        });
    }

    /** Returns the sum of the shared calendar counters of {@code product}, read from Redis. */
    static long counted(String product) {
        @SuppressWarnings("unchecked")
        final List<String> found = (List<String>) redis.call("KEYS sluice:apim:c:{" + product + "*");
        long sum = 0;
        for (String k : found) {
            sum += Long.parseLong((String) redis.call("GET " + k));
        }
        return sum;
    }

    @Test
    @Order(4)
    void whenRedisDiesTheLimiterFailsClosed_andRecoversWithoutARestart() {
        final String key = keys.get("spare");
        assertThat(send(replicas.get(0), key, 5).join().status().code()).isEqualTo(200);
        redis.kill();
        for (TestGateway g : replicas) {
            final AggregatedHttpResponse r = send(g, key, 5).join();
            assertThat(r.status().code()).isEqualTo(503);
            assertThat(r.contentUtf8()).isEqualTo(
                    "{\"fault\":{\"faultstring\":\"Rate limit quota store unavailable. Retry later\"," +
                    "\"detail\":{\"errorcode\":\"policies.ratelimit.QuotaStoreUnavailable\"}}}");
            assertThat(r.headers().get("retry-after")).isEqualTo("1");
        }
        final String metrics = scrape(replicas.get(1));
        assertThat(metrics).contains("sluice_apim_limiter_backend_up{backend=\"redis\"} 0.0")
                           .containsPattern("sluice_apim_limiter_decisions_total\\{backend=\"redis\"," +
                                            "outcome=\"failed_closed\"} [1-9]");

        redis.restart();
        for (TestGateway g : replicas) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                   .until(() -> send(g, key, 5).join().status().code() == 200);
        }
        assertThat(scrape(replicas.get(0))).contains("sluice_apim_limiter_backend_up{backend=\"redis\"} 1.0");
    }

    @Test
    @Order(5)
    void analyticsOfBothReplicasGoToThePostgresKeyStore_eachRecordOnce() throws Exception {
        // Graceful shutdown: listeners drain, then each module flushes its analytics writer.
        replicas.forEach(TestGateway::close);
        replicas.clear();
        modules.forEach(ApiManagement::close);
        modules.clear();
        final int total = sent[0].get() + sent[1].get();
        System.out.printf("two replicas, shared analytics: %d + %d requests sent%n", sent[0].get(), sent[1].get());
        try (AnalyticsStore shared = JdbcAnalyticsStore.postgres(url)) {
            final List<AnalyticsQuery.Row> byProduct = shared.summarize(new AnalyticsQuery(
                    null, null, null, null, null, null, List.of(AnalyticsQuery.Dimension.PRODUCT)));
            assertThat(byProduct.stream().mapToLong(AnalyticsQuery.Row::requests).sum()).isEqualTo(total);
            // Every request sent is one record: each replica's alone would be about half.
            assertThat(shared.records(AnalyticsQuery.all(), 10_000)).hasSize(total)
                    .extracting(AnalyticsRecord::requestId).doesNotHaveDuplicates();
            assertThat(byProduct).extracting(r -> r.group().get(0)).contains("metered", "tokens");
        }
        // No replica fell back to a SQLite analytics file of its own in the dataDir.
        try (var files = Files.walk(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().equals(JdbcAnalyticsStore.FILE_NAME)))
                    .isEmpty();
        }
    }

    static String scrape(TestGateway g) {
        return WebClient.of("http://127.0.0.1:" + g.server().adminPort()).get("/metrics").aggregate().join()
                        .contentUtf8();
    }
}

package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.apim.analytics.AnalyticsQuery;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsWriter;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.TestGateway;

/**
 * Zero analytics records lost across a graceful restart under load: every request the gateway answered while it
 * was being closed has its record in the store the next gateway opens, once, and there are no others.
 */
class ApiManagementRestartTest {

    static final int REQUESTS = 300;
    static final int CONCURRENCY = 24;

    @TempDir
    Path dir;

    String yaml(Path dataDir) {
        return TestGateway.TWO_POOLS + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: ApiProduct
                metadata: {name: open}
                spec:
                  models: ["google/*"]
                  quotas:
                  - {limit: 100000000, interval: 1, timeUnit: day, counts: totalTokens}
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
                      metadata: {cacheSync: 100ms, dataDir: "DATA_DIR"}
                """.replace("DATA_DIR", dataDir.toString());
    }

    /** Starts a gateway whose API management (and so analytics writer) is closed when the gateway closes. */
    TestGateway start(Path gatewayDir, Path dataDir) throws Exception {
        // Small batches and a slow flush: records sit in the queue when the gateway closes.
        final ApiManagement apim = ApiManagement.builder().analyticsOptions(new AnalyticsWriter.Options(
                10_000, 16, Duration.ofSeconds(5), Duration.ofMillis(5), Duration.ofSeconds(30))).build();
        final AtomicReference<TestGateway> running = new AtomicReference<>();
        apim.productsFromConfig(() -> running.get() != null ? running.get().server().snapshot().config() : null);
        java.nio.file.Files.createDirectories(gatewayDir);
        final TestGateway gw = TestGateway.start(gatewayDir, yaml(dataDir),
                                                 new ExtensionRegistry().register(ApiManagement.SERVICE,
                                                                                  apim.factory()),
                                                 o -> o.closeAfter(apim));
        running.set(gw);
        return gw;
    }

    static RequestHeaders headers(String id, String key) {
        return RequestHeaders.builder(HttpMethod.POST, "/v1/completions").contentType(MediaType.JSON)
                             .add("x-request-id", id).add("x-api-key", key).build();
    }

    static final String BODY = "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"Say hi\",\"max_tokens\":4}";

    @Test
    void noRecordIsLostAcrossAGracefulRestartUnderLoad() throws Exception {
        final Path dataDir = dir.resolve("data");
        final String key;
        try (SqliteKeyStore keys = SqliteKeyStore.open(dataDir, Clock.systemUTC())) {
            keys.createDeveloper("ada@example.com", null, null);
            key = keys.createKey(keys.createApp("ada@example.com", "load", List.of("open")).id(), null).secret();
        }
        // Ids of requests the gateway answered itself (its answers carry x-request-id; a listener that is shutting
        // down refuses new requests without running them).
        final Set<String> answered = ConcurrentHashMap.newKeySet();
        final TestGateway first = start(dir.resolve("gw1"), dataDir);
        final WebClient client = first.http();
        final AtomicInteger warm = new AtomicInteger();
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            final String id = "warm-" + warm.incrementAndGet();
            final var r = client.execute(headers(id, key), BODY).aggregate().join();
            if (r.headers().contains("x-request-id")) {
                answered.add(id);
            }
            return r.status() == HttpStatus.OK;
        });

        final Semaphore slots = new Semaphore(CONCURRENCY);
        final List<CompletableFuture<?>> all = new ArrayList<>();
        final AtomicInteger ok = new AtomicInteger();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        for (int i = 0; i < REQUESTS; i++) {
            slots.acquire();
            final String id = "load-" + i;
            all.add(client.execute(headers(id, key), BODY).aggregate().handle((r, cause) -> {
                slots.release();
                if (r != null && r.headers().contains("x-request-id")) {
                    answered.add(id);
                    if (r.status() == HttpStatus.OK && ok.incrementAndGet() == REQUESTS / 3) {
                        // Close while the rest are in flight or arriving.
                        CompletableFuture.runAsync(() -> {
                            first.close();
                            closed.complete(null);
                        });
                    }
                }
                return null;
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        closed.get(60, TimeUnit.SECONDS);
        // Some requests were answered after the close began, some were refused: the close happened under load.
        assertThat(answered.size()).isGreaterThan(REQUESTS / 3);

        // A new gateway on the same data directory, then the store read on its own.
        final TestGateway second = start(dir.resolve("gw2"), dataDir);
        second.close();
        try (JdbcAnalyticsStore store = JdbcAnalyticsStore.sqlite(dataDir)) {
            final List<AnalyticsRecord> records = store.records(AnalyticsQuery.all(), 100_000);
            assertThat(records).extracting(AnalyticsRecord::requestId).doesNotHaveDuplicates()
                               .containsExactlyInAnyOrderElementsOf(answered);
            assertThat(store.summarize(AnalyticsQuery.all()).get(0).requests()).isEqualTo(answered.size());
        }
    }
}

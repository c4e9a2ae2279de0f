package dev.sluice.apim;

import static dev.sluice.apim.ApiManagementExtensionTest.ALL_EVENTS;
import static dev.sluice.apim.ApiManagementExtensionTest.FREE;
import static dev.sluice.apim.ApiManagementExtensionTest.GEMMA;
import static dev.sluice.apim.ApiManagementExtensionTest.assertFault;
import static dev.sluice.apim.ApiManagementExtensionTest.post;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.common.HttpData;

import dev.sluice.apim.store.InMemoryKeyStore;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionEvent;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.extension.ExtensionResult.ImmediateResponse;
import dev.sluice.openai.OpenAiRequestParser;
import dev.sluice.testing.RedisServer;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/**
 * The extension with a Redis limiter chosen by its metadata: counters shared by two modules (two replicas), and what
 * a request gets when Redis cannot be reached, failing open or closed.
 */
class SharedLimiterExtensionTest {

    @RegisterExtension
    static final RedisServer redis = new RedisServer();

    ManualClock clock;
    InMemoryKeyStore store;
    ApiManagement apim;

    @BeforeEach
    void setUp() {
        clock = ManualClock.at("2026-03-10T12:00:10Z");
        store = new InMemoryKeyStore(clock);
        apim = module();
        redis.call("FLUSHALL");
    }

    @AfterEach
    void tearDown() {
        apim.close();
    }

    ApiManagement module() {
        return ApiManagement.builder().clock(clock).keyStore(store)
                            .products(() -> ProductCatalog.of(List.of(FREE))).build();
    }

    Extension extension(ApiManagement module, Map<String, String> metadata) {
        return module.factory().create(new ExtensionSpec("apim", ApiManagement.SERVICE, ALL_EVENTS,
                                                         Duration.ofSeconds(1), false, metadata));
    }

    String key(ApiManagement... modules) {
        store.createDeveloper("ada@example.com", null, null);
        final App app = store.createApp("ada@example.com", "chatbot", List.of("free"));
        final String secret = store.createKey(app.id(), null).secret();
        for (ApiManagement m : modules) {
            m.credentials(ApiManagementSettings.of(Map.of())).sync();
        }
        return secret;
    }

    /** Runs a request's header and body events; returns the body's result (or the headers' fault). */
    static ExtensionResult request(Extension e, String key) {
        final ExtensionCall call = new ExtensionCall("req-" + System.nanoTime());
        final ExtensionResult h = e.handle(call, new ExtensionMessage.Headers(
                ExtensionEvent.REQUEST_HEADERS, post("/v1/completions", "x-api-key", key))).join();
        if (h instanceof ImmediateResponse) {
            return h;
        }
        final byte[] bytes = GEMMA.getBytes(StandardCharsets.UTF_8);
        call.request(OpenAiRequestParser.parse(bytes));
        return e.handle(call, new ExtensionMessage.Body(ExtensionEvent.REQUEST_BODY, HttpData.wrap(bytes), true))
                .join();
    }

    @Test
    void twoModulesOnOneRedisShareTheQuota() {
        // FREE allows three requests a minute per app: two replicas together allow three, not six.
        try (ApiManagement replica = module()) {
            final Map<String, String> meta = Map.of("rateLimiter", redis.uri(), "rateLimiterTimeout", "5s");
            final Extension a = extension(apim, meta);
            final Extension b = extension(replica, meta);
            final String key = key(apim, replica);
            int passed = 0;
            for (int i = 0; i < 6; i++) {
                if (!(request(i % 2 == 0 ? a : b, key) instanceof ImmediateResponse)) {
                    passed++;
                }
            }
            assertThat(passed).isEqualTo(3);
            final ImmediateResponse refused = (ImmediateResponse) request(b, key);
            assertThat(refused.status().code()).isEqualTo(429);
            assertThat(refused.headers()).containsEntry("x-ratelimit-remaining-requests", "0");
            assertThat(decisions(apim, "allowed") + decisions(replica, "allowed")).isEqualTo(3);
        }
    }

    @Test
    void failingClosed_answersTheQuotaStoreFault() {
        final Extension e = extension(apim, Map.of("rateLimiter", "redis://127.0.0.1:" + deadPort(),
                                                   "rateLimiterFailure", "closed"));
        final ImmediateResponse r = (ImmediateResponse) request(e, key(apim));
        assertFault(r, 503, "policies.ratelimit.QuotaStoreUnavailable",
                    "Rate limit quota store unavailable. Retry later");
        assertThat(r.headers()).containsEntry("retry-after", "1");
        assertThat(decisions(apim, "failed_closed")).isEqualTo(1);
    }

    @Test
    void failingOpen_letsTheRequestGoOnUncounted() {
        final Extension e = extension(apim, Map.of("rateLimiter", "redis://127.0.0.1:" + deadPort(),
                                                   "rateLimiterFailure", "open"));
        final String key = key(apim);
        for (int i = 0; i < 5; i++) {
            // More than FREE's three a minute: nothing counts while the limiter cannot reach Redis.
            assertThat(request(e, key)).isNotInstanceOf(ImmediateResponse.class);
        }
        assertThat(decisions(apim, "failed_open")).isEqualTo(5);
    }

    private static int deadPort() {
        // A port nothing listens on: connections are refused at once.
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static long decisions(ApiManagement module, String outcome) {
        for (MetricSnapshot s : module.metrics().collect()) {
            if (s instanceof CounterSnapshot c && "sluice_apim_limiter_decisions".equals(c.getMetadata().getName())) {
                return (long) c.getDataPoints().stream()
                               .filter(d -> outcome.equals(d.getLabels().get("outcome")))
                               .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
            }
        }
        return 0;
    }
}

package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.ResponseHeaders;

import dev.sluice.apim.ApiProduct.Operation;
import dev.sluice.apim.ApiProduct.QuotaIdentifier;
import dev.sluice.apim.limit.InMemoryRateLimiter;
import dev.sluice.apim.limit.RateLimiter.Admission;
import dev.sluice.apim.limit.RateLimiter.AdmissionRequest;
import dev.sluice.apim.limit.RateLimiter.Reservation;
import dev.sluice.apim.limit.Quota;
import dev.sluice.apim.limit.SpikeArrestRate;
import dev.sluice.apim.store.InMemoryKeyStore;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.extension.ExchangeEnd;
import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionEvent;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.extension.ExtensionResult.Continue;
import dev.sluice.extension.ExtensionResult.ImmediateResponse;
import dev.sluice.openai.OpenAiRequestParser;

/** The api-management extension driven event by event, without sockets, on a manual clock. */
class ApiManagementExtensionTest {

    static final List<String> ALL_EVENTS = List.of("RequestHeaders", "RequestBody", "ResponseHeaders",
                                                   "ResponseBody");

    static final Quota THREE_PER_MINUTE = Quota.requests(3, 1, Quota.TimeUnit.MINUTE);
    static final Quota TOKENS_1000 = new Quota(Quota.Metric.TOTAL_TOKENS, 1000, 1, Quota.TimeUnit.MINUTE,
                                               Quota.Type.CALENDAR);

    static final ApiProduct FREE = new ApiProduct(
            "free", "Free", List.of("google/gemma-3-1b-it"),
            List.of(new Operation("/v1/completions", Set.of("POST")),
                    new Operation("/v1/chat/completions", Set.of("POST"))),
            List.of(THREE_PER_MINUTE), null, null, null, QuotaIdentifier.APP);
    static final ApiProduct PREMIUM = new ApiProduct(
            "premium", "Premium", List.of("meta-llama/*"), List.of(new Operation("/v1/**", Set.of())),
            List.of(TOKENS_1000), null, "premium", 100, QuotaIdentifier.APP);
    static final ApiProduct SPIKY = new ApiProduct(
            "spiky", null, List.of(), List.of(), List.of(), SpikeArrestRate.parse("1ps"), null, null,
            QuotaIdentifier.KEY);

    ManualClock clock;
    InMemoryKeyStore store;
    InMemoryRateLimiter limiter;
    ApiManagement apim;
    Extension ext;

    @BeforeEach
    void setUp() {
        clock = ManualClock.at("2026-03-10T12:00:10Z");
        store = new InMemoryKeyStore(clock);
        limiter = new InMemoryRateLimiter(clock);
        apim = ApiManagement.builder().clock(clock).keyStore(store).limiter(limiter)
                            .products(() -> ProductCatalog.of(List.of(FREE, PREMIUM, SPIKY))).build();
        ext = extension(Map.of());
    }

    @AfterEach
    void tearDown() {
        apim.close();
    }

    Extension extension(Map<String, String> metadata) {
        return apim.factory().create(new ExtensionSpec("apim", ApiManagement.SERVICE, ALL_EVENTS,
                                                       Duration.ofSeconds(1), false, metadata));
    }

    /** Creates a developer, an app on {@code products} and a key; returns the key's secret. */
    CreatedKey key(String email, String... products) {
        if (store.developer(email).isEmpty()) {
            store.createDeveloper(email, null, null);
        }
        final App app = store.createApp(email, "app-" + store.apps(null).size(), List.of(products));
        final CreatedKey k = store.createKey(app.id(), null);
        apim.credentials(ApiManagementSettings.of(Map.of())).sync();
        return k;
    }

    void sync() {
        apim.credentials(ApiManagementSettings.of(Map.of())).sync();
    }

    static RequestHeaders post(String path, String... headers) {
        final RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    static final String GEMMA = "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"hello there\",\"max_tokens\":5}";
    static final String LLAMA = "{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"prompt\":\"hello there\"," +
                                "\"max_tokens\":200}";

    /** One request through the extension's request events. */
    final class Req {
        final ExtensionCall call = new ExtensionCall("req-" + System.nanoTime());
        ExtensionResult headersResult;
        ExtensionResult bodyResult;

        Req(Extension e, RequestHeaders headers, String body) {
            headersResult = e.handle(call, new ExtensionMessage.Headers(ExtensionEvent.REQUEST_HEADERS, headers))
                             .join();
            if (headersResult instanceof ImmediateResponse) {
                return;
            }
            final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            call.request(OpenAiRequestParser.parse(bytes));
            bodyResult = e.handle(call, new ExtensionMessage.Body(ExtensionEvent.REQUEST_BODY, HttpData.wrap(bytes),
                                                                  true)).join();
        }

        Req(RequestHeaders headers, String body) {
            this(ext, headers, body);
        }

        ImmediateResponse fault() {
            final ExtensionResult r = headersResult instanceof ImmediateResponse ? headersResult : bodyResult;
            assertThat(r).isInstanceOf(ImmediateResponse.class);
            return (ImmediateResponse) r;
        }

        boolean passed() {
            return !(headersResult instanceof ImmediateResponse) && !(bodyResult instanceof ImmediateResponse);
        }

        ExtensionResult responseHeaders(int status, String contentType) {
            return ext.handle(call, new ExtensionMessage.Headers(ExtensionEvent.RESPONSE_HEADERS,
                                                                 ResponseHeaders.of(HttpStatus.valueOf(status),
                                                                                    "content-type", contentType)))
                      .join();
        }

        ExtensionResult responseBody(String data, boolean end) {
            return ext.handle(call, new ExtensionMessage.Body(ExtensionEvent.RESPONSE_BODY, HttpData.ofUtf8(data),
                                                              end)).join();
        }
    }

    static void assertFault(ImmediateResponse r, int status, String errorCode, String faultString) {
        assertThat(r.status().code()).isEqualTo(status);
        assertThat(r.headers()).containsEntry("content-type", "application/json; charset=utf-8");
        assertThat(r.body().toStringUtf8()).isEqualTo(
                "{\"fault\":{\"faultstring\":\"" + faultString + "\",\"detail\":{\"errorcode\":\"" + errorCode +
                "\"}}}");
    }

    /* ------------------------------------------------------------------------------------------ key faults */

    @Test
    void missingKey() {
        assertFault(new Req(post("/v1/completions"), GEMMA).fault(), 401, "steps.oauth.v2.FailedToResolveAPIKey",
                    "Failed to resolve API Key variable request.header.x-api-key");
        // An Authorization header that is not a bearer token is no key either.
        assertFault(new Req(post("/v1/completions", "authorization", "Basic dXNlcjpwYXNz"), GEMMA).fault(), 401,
                    "steps.oauth.v2.FailedToResolveAPIKey",
                    "Failed to resolve API Key variable request.header.x-api-key");
    }

    @Test
    void missingKey_withDefaultSecurityEnabled_isTheOperatorsRaiseFault() {
        final Extension secured = extension(Map.of("defaultSecurityEnabled", "true"));
        assertFault(new Req(secured, post("/v1/completions"), GEMMA).fault(), 401, "steps.raisefault.RaiseFault",
                    "Raising fault. Fault name : RF-insufficient-request-raise-fault");
    }

    @Test
    void invalidKey() {
        assertFault(new Req(post("/v1/completions", "x-api-key", ApiKeys.newKey()), GEMMA).fault(), 401,
                    "oauth.v2.InvalidApiKey", "Invalid ApiKey");
    }

    @Test
    void revokedKey() {
        final CreatedKey k = key("ada@example.com", "free");
        store.setKeyStatus(k.key().id(), ApiKey.Status.REVOKED);
        sync();
        assertFault(new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA).fault(), 401,
                    "oauth.v2.ApiKeyNotApproved", "ApiKey not approved");
    }

    @Test
    void expiredKey() {
        store.createDeveloper("ada@example.com", null, null);
        final App app = store.createApp("ada@example.com", "a", List.of("free"));
        final CreatedKey k = store.createKey(app.id(), clock.instant().plusSeconds(60));
        sync();
        assertThat(new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA).passed()).isTrue();
        clock.advance(Duration.ofSeconds(60));
        assertFault(new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA).fault(), 401,
                    "keymanagement.service.consumer_key_expired", "Consumer key expired");
    }

    @Test
    void revokedApp() {
        final CreatedKey k = key("ada@example.com", "free");
        store.setAppStatus(k.key().appId(), App.Status.REVOKED);
        sync();
        assertFault(new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA).fault(), 401,
                    "keymanagement.service.invalid_client-app_not_approved", "App not approved");
    }

    @Test
    void inactiveDeveloper() {
        final CreatedKey k = key("ada@example.com", "free");
        store.setDeveloperStatus("ada@example.com", Developer.Status.INACTIVE);
        sync();
        assertFault(new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA).fault(), 401,
                    "keymanagement.service.DeveloperStatusNotActive", "Developer Status not Active");
    }

    @Test
    void keyChecksGoKeyThenAppThenDeveloper() {
        final CreatedKey k = key("ada@example.com", "free");
        store.setKeyStatus(k.key().id(), ApiKey.Status.REVOKED);
        store.setAppStatus(k.key().appId(), App.Status.REVOKED);
        store.setDeveloperStatus("ada@example.com", Developer.Status.INACTIVE);
        sync();
        final RequestHeaders h = post("/v1/completions", "x-api-key", k.secret());
        assertThat(new Req(h, GEMMA).fault().body().toStringUtf8()).contains("oauth.v2.ApiKeyNotApproved");
        store.setKeyStatus(k.key().id(), ApiKey.Status.APPROVED);
        sync();
        assertThat(new Req(h, GEMMA).fault().body().toStringUtf8()).contains("app_not_approved");
        store.setAppStatus(k.key().appId(), App.Status.APPROVED);
        sync();
        assertThat(new Req(h, GEMMA).fault().body().toStringUtf8()).contains("DeveloperStatusNotActive");
        store.setDeveloperStatus("ada@example.com", Developer.Status.ACTIVE);
        sync();
        assertThat(new Req(h, GEMMA).passed()).isTrue();
    }

    @Test
    void keyForAnotherResource() {
        final CreatedKey k = key("ada@example.com", "free");
        final String secret = k.secret();
        assertFault(new Req(post("/v1/embeddings", "x-api-key", secret), GEMMA).fault(), 401,
                    "oauth.v2.InvalidApiKeyForGivenResource", "Invalid ApiKey for given resource");
        // The right path with another method.
        final RequestHeaders get = RequestHeaders.of(HttpMethod.GET, "/v1/completions", "x-api-key", secret);
        assertThat(new Req(get, "").fault().body().toStringUtf8()).contains("InvalidApiKeyForGivenResource");
        // An app whose products are not configured covers nothing.
        final CreatedKey orphan = key("bob@example.com", "no-such-product");
        assertThat(new Req(post("/v1/completions", "x-api-key", orphan.secret()), GEMMA).fault().body()
                                                                                          .toStringUtf8())
                .contains("InvalidApiKeyForGivenResource");
    }

    @Test
    void modelNotInAnyProduct() {
        final CreatedKey k = key("ada@example.com", "free");
        final String mistral = "{\"model\":\"mistral-7b\",\"prompt\":\"hi\"}";
        assertFault(new Req(post("/v1/completions", "x-api-key", k.secret()), mistral).fault(), 401,
                    "keymanagement.service.InvalidAPICallAsNoApiProductMatchFound",
                    "Invalid API call as no apiproduct match found");
    }

    @Test
    void theFirstProductCoveringTheRequestIsUsed() {
        final CreatedKey k = key("ada@example.com", "free", "premium");
        final Req gemma = new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA);
        assertThat(gemma.passed()).isTrue();
        // free has no objective; premium (chosen for Llama) sets its own.
        assertThat(((Continue) gemma.bodyResult)).isEqualTo(ExtensionResult.proceed());
        final Req llama = new Req(post("/v1/completions", "x-api-key", k.secret()), LLAMA);
        assertThat(((Continue) llama.bodyResult).setHeaders())
                .containsEntry(ApiManagementExtension.OBJECTIVE_HEADER, "premium");
    }

    /* ------------------------------------------------------------------------------------------ where keys come from */

    @Test
    void bearerTokensAreKeysAndTheKeyHeaderIsRemoved() {
        final CreatedKey k = key("ada@example.com", "free");
        final Req bearer = new Req(post("/v1/completions", "authorization", "Bearer " + k.secret()), GEMMA);
        assertThat(bearer.passed()).isTrue();
        assertThat(((Continue) bearer.headersResult).removeHeaders())
                .containsExactly("authorization", ApiManagementExtension.OBJECTIVE_HEADER);
        final Req apiKey = new Req(post("/v1/completions", "x-api-key", k.secret(),
                                        "authorization", "Bearer upstream-token"), GEMMA);
        // Only the header the key came from goes; the client's own Authorization stays.
        assertThat(((Continue) apiKey.headersResult).removeHeaders())
                .containsExactly("x-api-key", ApiManagementExtension.OBJECTIVE_HEADER);
    }

    @Test
    void keyHeadersAreConfigurable() {
        final CreatedKey k = key("ada@example.com", "free");
        final Extension custom = extension(Map.of("keyHeaders", "X-Gateway-Key", "stripCredentials", "false",
                                                  "trustClientObjective", "true"));
        final Req r = new Req(custom, post("/v1/completions", "x-gateway-key", k.secret()), GEMMA);
        assertThat(r.passed()).isTrue();
        assertThat(r.headersResult).isEqualTo(ExtensionResult.proceed());
        assertFault(new Req(custom, post("/v1/completions", "x-api-key", k.secret()), GEMMA).fault(), 401,
                    "steps.oauth.v2.FailedToResolveAPIKey",
                    "Failed to resolve API Key variable request.header.x-gateway-key");
    }

    /* ------------------------------------------------------------------------------------------ rate faults */

    @Test
    void quotaViolation() {
        final CreatedKey k = key("ada@example.com", "free");
        final RequestHeaders h = post("/v1/completions", "x-api-key", k.secret());
        for (int i = 0; i < 3; i++) {
            assertThat(new Req(h, GEMMA).passed()).isTrue();
        }
        final ImmediateResponse r = new Req(h, GEMMA).fault();
        assertFault(r, 429, "policies.ratelimit.QuotaViolation",
                    "Rate limit quota violation. Quota limit  exceeded. Identifier : " + k.key().appId());
        assertThat(r.headers()).containsEntry("x-ratelimit-limit-requests", "3")
                               .containsEntry("x-ratelimit-remaining-requests", "0")
                               .containsEntry("x-ratelimit-reset-requests", "50s")
                               .containsEntry("retry-after", "50");
        // Another key of the same app shares the app's quota.
        final CreatedKey second = store.createKey(k.key().appId(), null);
        sync();
        assertThat(new Req(post("/v1/completions", "x-api-key", second.secret()), GEMMA).passed()).isFalse();
        clock.advance(Duration.ofSeconds(50));
        assertThat(new Req(h, GEMMA).passed()).isTrue();
    }

    @Test
    void spikeArrestViolation() {
        final CreatedKey k = key("ada@example.com", "spiky");
        final RequestHeaders h = post("/v1/completions", "x-api-key", k.secret());
        assertThat(new Req(h, GEMMA).passed()).isTrue();
        clock.advance(Duration.ofMillis(500));
        assertFault(new Req(h, GEMMA).fault(), 429, "policies.ratelimit.SpikeArrestViolation",
                    "Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=1, " +
                    "periodInMicroseconds=1000000, maxBurstMessageCount=1.0}");
        clock.advance(Duration.ofMillis(500));
        assertThat(new Req(h, GEMMA).passed()).isTrue();
    }

    @Test
    void llmTokenQuotaViolation_countsTheReservation() {
        final CreatedKey k = key("ada@example.com", "premium");
        final RequestHeaders h = post("/v1/completions", "x-api-key", k.secret());
        // Each request reserves 3 prompt tokens and 200 output tokens: four fit in 1000, the fifth does not.
        for (int i = 0; i < 4; i++) {
            assertThat(new Req(h, LLAMA).passed()).isTrue();
        }
        final ImmediateResponse r = new Req(h, LLAMA).fault();
        assertFault(r, 429, "policies.llmtokenquota.LLMTokenQuotaViolation",
                    "Rate limit LLM Token quota violation. Quota limit exceeded. Identifier : " + k.key().appId());
        assertThat(r.headers()).containsEntry("x-ratelimit-limit-tokens", "1000")
                               .containsEntry("x-ratelimit-remaining-tokens", "188");
    }

    /* ------------------------------------------------------------------------------------------ accounting */

    private long premiumUsed(CreatedKey k) {
        return limiter.used("premium|app:" + k.key().appId(), TOKENS_1000);
    }

    @Test
    void rateLimitHeadersOnTheResponse() {
        final CreatedKey k = key("ada@example.com", "free");
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA);
        clock.advance(Duration.ofMillis(1500));
        assertThat(((Continue) r.responseHeaders(200, "application/json")).setHeaders()).containsOnly(
                Map.entry("x-ratelimit-limit-requests", "3"), Map.entry("x-ratelimit-remaining-requests", "2"),
                Map.entry("x-ratelimit-reset-requests", "49s"));
    }

    @Test
    void plainResponse_settlesWithItsUsage() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), LLAMA);
        assertThat(premiumUsed(k)).isEqualTo(203);
        r.responseHeaders(200, "application/json");
        r.responseBody("{\"id\":\"c\",\"choices\":[{\"text\":\"hi\"}],\"usage\":{\"prompt_tokens\":7," +
                       "\"completion_tokens\":11,\"total_tokens\":18}}", true);
        assertThat(premiumUsed(k)).isEqualTo(18);
    }

    @Test
    void plainResponseWithoutUsage_settlesWithCountedText() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), LLAMA);
        r.responseHeaders(200, "application/json");
        r.responseBody("{\"choices\":[{\"text\":\"0123456789abcdef0123\"}]}", true);
        // 3 estimated prompt tokens + 20 characters / 4.
        assertThat(premiumUsed(k)).isEqualTo(8);
    }

    @Test
    void errorResponse_refundsTheTokens() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), LLAMA);
        r.responseHeaders(400, "application/json");
        r.responseBody("{\"error\":{\"message\":\"too long\"},\"usage\":{\"prompt_tokens\":9000}}", true);
        assertThat(premiumUsed(k)).isZero();
    }

    static String sse(String json) {
        return "data: " + json + "\n\n";
    }

    static final String CHUNK_1 = sse("{\"id\":\"c\",\"choices\":[{\"index\":0,\"text\":\" Hello\"}]}");
    static final String CHUNK_2 = sse("{\"id\":\"c\",\"choices\":[{\"index\":0,\"text\":\" world\"}]}");
    static final String USAGE = sse("{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":4," +
                                    "\"completion_tokens\":2,\"total_tokens\":6}}");
    static final String DONE = "data: [DONE]\n\n";

    @Test
    void stream_asksForUsageAndHidesItFromAClientThatDidNot() {
        final CreatedKey k = key("ada@example.com", "premium");
        final String body = "{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"prompt\":\"hello there\"," +
                            "\"max_tokens\":200,\"stream\":true}";
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), body);
        final Continue c = (Continue) r.bodyResult;
        assertThat(c.body().toStringUtf8()).isEqualTo(
                "{\"stream_options\":{\"include_usage\":true},\"model\":\"meta-llama/Llama-3.1-8B-Instruct\"," +
                "\"prompt\":\"hello there\",\"max_tokens\":200,\"stream\":true}");
        assertThat(OpenAiRequestParser.parse(c.body().array()).includeUsage()).isTrue();

        r.responseHeaders(200, "text/event-stream");
        assertThat(r.responseBody(CHUNK_1 + CHUNK_2, false)).isEqualTo(ExtensionResult.proceed());
        final ExtensionResult last = r.responseBody(USAGE + DONE, false);
        assertThat(((Continue) last).body().toStringUtf8()).isEqualTo(DONE);
        assertThat(premiumUsed(k)).isEqualTo(203);
        r.responseBody("", true);
        assertThat(premiumUsed(k)).isEqualTo(6);
    }

    @Test
    void stream_keepsTheUsageChunkForAClientThatAskedForIt() {
        final CreatedKey k = key("ada@example.com", "premium");
        final String body = "{\"model\":\"meta-llama/x\",\"prompt\":\"hello there\",\"max_tokens\":200," +
                            "\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), body);
        assertThat(((Continue) r.bodyResult).body()).isNull();
        r.responseHeaders(200, "text/event-stream");
        assertThat(r.responseBody(CHUNK_1 + USAGE + DONE, false)).isEqualTo(ExtensionResult.proceed());
        r.responseBody("", true);
        assertThat(premiumUsed(k)).isEqualTo(6);
    }

    @Test
    void stream_withStreamOptionsButNoUsage_isRewrittenThroughATree() {
        final CreatedKey k = key("ada@example.com", "premium");
        final String body = "{\"model\":\"meta-llama/x\",\"prompt\":\"hi\",\"stream\":true," +
                            "\"stream_options\":{\"include_usage\":false,\"continuous_usage_stats\":false}}";
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), body);
        assertThat(((Continue) r.bodyResult).body().toStringUtf8()).isEqualTo(
                "{\"model\":\"meta-llama/x\",\"prompt\":\"hi\",\"stream\":true," +
                "\"stream_options\":{\"include_usage\":true,\"continuous_usage_stats\":false}}");
    }

    @Test
    void stream_withoutUsage_settlesWithCountedChunks() {
        final CreatedKey k = key("ada@example.com", "premium");
        final String body = "{\"model\":\"meta-llama/x\",\"prompt\":\"hello there\",\"max_tokens\":200," +
                            "\"stream\":true}";
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), body);
        r.responseHeaders(200, "text/event-stream");
        r.responseBody(CHUNK_1, false);
        r.responseBody(CHUNK_2 + CHUNK_2 + DONE, false);
        r.responseBody("", true);
        // 3 estimated prompt tokens and three chunks of one token each.
        assertThat(premiumUsed(k)).isEqualTo(6);
    }

    @Test
    void chatStream_countsDeltaContent() {
        final CreatedKey k = key("ada@example.com", "premium");
        final String body = "{\"model\":\"meta-llama/x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," +
                            "\"max_completion_tokens\":50,\"stream\":true}";
        final Req r = new Req(post("/v1/chat/completions", "x-api-key", k.secret()), body);
        // 1 prompt token + 4 for the message, and 50 reserved.
        assertThat(premiumUsed(k)).isEqualTo(55);
        r.responseHeaders(200, "text/event-stream");
        r.responseBody(sse("{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}") +
                       sse("{\"choices\":[{\"delta\":{\"content\":\"The quick brown fox\"}}]}") + DONE, true);
        assertThat(premiumUsed(k)).isEqualTo(5 + 4);
    }

    @Test
    void aRequestWithoutMaxTokensReservesTheProductDefault() {
        final CreatedKey k = key("ada@example.com", "premium");
        new Req(post("/v1/completions", "x-api-key", k.secret()), "{\"model\":\"meta-llama/x\",\"prompt\":\"hi\"}");
        assertThat(premiumUsed(k)).isEqualTo(1 + 100);
    }

    /* ------------------------------------------------------------------------------------------ abandoned requests */

    /** How the gateway reports an exchange's end; tokens are the gateway's own counts ({@code -1}: unknown). */
    static ExchangeEnd end(int status, boolean clientCancelled, boolean upstreamResponded, long outputTokens) {
        return new ExchangeEnd(status, clientCancelled, upstreamResponded, false, 80, 120, 5_000_000, 4_000_000,
                               "llama", "meta-llama/x", -1, outputTokens, -1, null, 1_773_144_010_000_000L);
    }

    /** Runs a streamed request whose response stops after two chunks (or never starts). */
    private Req streamThatStops(CreatedKey k, boolean responseStarted) {
        final String body = "{\"model\":\"meta-llama/x\",\"prompt\":\"hello there\",\"max_tokens\":200," +
                            "\"stream\":true}";
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), body);
        if (responseStarted) {
            r.responseHeaders(200, "text/event-stream");
            r.responseBody(CHUNK_1 + CHUNK_2, false);
        }
        return r;
    }

    @Test
    void aClientThatLeftIsChargedForWhatWasGenerated_atOnce() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = streamThatStops(k, true);
        assertThat(premiumUsed(k)).isEqualTo(203);
        r.call.end(end(200, true, true, 2));
        // 3 estimated prompt tokens and the two chunks relayed before the client left; no collection needed.
        assertThat(premiumUsed(k)).isEqualTo(5);
    }

    @Test
    void aClientThatLeft_isChargedTheGatewaysCountWhenItSawMoreThanTheExtension() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = streamThatStops(k, true);
        // The gateway read 7 token events from the model server; the client saw 2 before it left.
        r.call.end(end(200, true, true, 7));
        assertThat(premiumUsed(k)).isEqualTo(3 + 7);
    }

    @Test
    void aRequestThatNeverReachedAModelIsRefunded_atOnce() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = streamThatStops(k, false);
        assertThat(premiumUsed(k)).isEqualTo(203);
        // No capacity: the gateway answered 503 itself.
        r.call.end(end(503, false, false, -1));
        assertThat(premiumUsed(k)).isZero();
    }

    @Test
    void aClientThatLeftBeforeAnyResponseIsRefunded() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = streamThatStops(k, false);
        r.call.end(end(0, true, false, -1));
        assertThat(premiumUsed(k)).isZero();
    }

    @Test
    void theEndAfterACompleteResponseChangesNothing() {
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = new Req(post("/v1/completions", "x-api-key", k.secret()), LLAMA);
        r.responseHeaders(200, "application/json");
        r.responseBody("{\"choices\":[{\"text\":\"hi\"}],\"usage\":{\"prompt_tokens\":7," +
                       "\"completion_tokens\":11}}", true);
        assertThat(premiumUsed(k)).isEqualTo(18);
        r.call.end(end(200, true, true, 50));
        assertThat(premiumUsed(k)).isEqualTo(18);
    }

    @Test
    void withoutResponseEvents_theEndSettlesWithTheGatewaysUsage() {
        final Extension requestOnly = apim.factory().create(new ExtensionSpec(
                "apim", ApiManagement.SERVICE, List.of("RequestHeaders", "RequestBody"), Duration.ofSeconds(1),
                false, Map.of()));
        final CreatedKey k = key("ada@example.com", "premium");
        final Req r = new Req(requestOnly, post("/v1/completions", "x-api-key", k.secret()), LLAMA);
        assertThat(premiumUsed(k)).isEqualTo(203);
        r.call.end(new ExchangeEnd(200, false, true, false, 80, 120, 5_000_000, 4_000_000, "llama", "meta-llama/x",
                                   9, 12, 0, null, 1_773_144_010_000_000L));
        assertThat(premiumUsed(k)).isEqualTo(9 + 12);
    }

    @Test
    void aLimiterThatAnswersAfterTheClientLeft_stillGivesTheReservationBack() {
        // A limiter answering on its own thread (as a networked one does), held until the exchange has ended.
        final java.util.concurrent.CompletableFuture<Void> release = new java.util.concurrent.CompletableFuture<>();
        final dev.sluice.apim.limit.RateLimiter late = new dev.sluice.apim.limit.RateLimiter() {
            @Override
            public java.util.concurrent.CompletableFuture<Admission> admit(AdmissionRequest request) {
                return release.thenCompose(unused -> limiter.admit(request));
            }

            @Override
            public java.util.concurrent.CompletableFuture<Void> settle(Reservation reservation, long in, long out) {
                return limiter.settle(reservation, in, out);
            }
        };
        apim.close();
        apim = ApiManagement.builder().clock(clock).keyStore(store).limiter(late)
                            .products(() -> ProductCatalog.of(List.of(FREE, PREMIUM, SPIKY))).build();
        ext = extension(Map.of());
        final CreatedKey k = key("ada@example.com", "premium");
        final ExtensionCall call = new ExtensionCall("late");
        ext.handle(call, new ExtensionMessage.Headers(ExtensionEvent.REQUEST_HEADERS,
                                                      post("/v1/completions", "x-api-key", k.secret()))).join();
        final byte[] bytes = LLAMA.getBytes(StandardCharsets.UTF_8);
        call.request(OpenAiRequestParser.parse(bytes));
        final var body = ext.handle(call, new ExtensionMessage.Body(ExtensionEvent.REQUEST_BODY,
                                                                    HttpData.wrap(bytes), true));
        call.end(end(0, true, false, -1));
        assertThat(body).isNotDone();
        release.complete(null);
        assertThat(body.join()).isNotInstanceOf(ImmediateResponse.class);
        assertThat(premiumUsed(k)).isZero();
    }

    /* ------------------------------------------------------------------------------------------ usage feed */

    @Test
    void everyAdmittedRequestIsReportedOnceWithItsTokens() {
        final java.util.concurrent.ConcurrentLinkedQueue<UsageListener.UsageRecord> records =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        apim.close();
        apim = ApiManagement.builder().clock(clock).keyStore(store).limiter(limiter)
                            .products(() -> ProductCatalog.of(List.of(FREE, PREMIUM, SPIKY)))
                            .usageListener(records::add).build();
        ext = extension(Map.of());
        final CreatedKey k = key("ada@example.com", "free");

        // free has no token quota, yet with a listener the tokens are still read.
        final Req ok = new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA);
        ok.responseHeaders(200, "application/json");
        ok.responseBody("{\"choices\":[{\"text\":\"hi\"}],\"usage\":{\"prompt_tokens\":3," +
                        "\"completion_tokens\":5}}", true);
        final Req failed = new Req(post("/v1/completions", "x-api-key", k.secret()), GEMMA);
        failed.responseHeaders(503, "application/json");
        failed.responseBody("{}", true);
        final Req refused = new Req(post("/v1/completions", "x-api-key", ApiKeys.newKey()), GEMMA);
        assertThat(refused.passed()).isFalse();

        assertThat(records).hasSize(2);
        final var first = records.poll();
        assertThat(first).isEqualTo(new UsageListener.UsageRecord(
                ok.call.requestId(), "free", k.key().appId(), store.developer("ada@example.com").orElseThrow().id(),
                k.key().id(), "google/gemma-3-1b-it", 3, 5, true, UsageListener.Outcome.COMPLETED));
        final var second = records.poll();
        assertThat(second.outcome()).isEqualTo(UsageListener.Outcome.UPSTREAM_ERROR);
        assertThat(second.inputTokens() + second.outputTokens()).isZero();
    }

    /* ------------------------------------------------------------------------------------------ configuration */

    @Test
    void needsTheRequestEvents() {
        final Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> apim.factory().create(
                new ExtensionSpec("apim", ApiManagement.SERVICE, List.of("RequestHeaders"), Duration.ofSeconds(1),
                                  false, Map.of())));
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RequestBody");
    }

    @Test
    void rejectsUnknownMetadata() {
        final Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                () -> extension(Map.of("defaultSecurity", "true")));
        assertThat(t).isInstanceOf(IllegalArgumentException.class)
                     .hasMessageStartingWith("metadata.defaultSecurity: unknown key");
    }
}

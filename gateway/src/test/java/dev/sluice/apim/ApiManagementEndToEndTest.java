package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.cli.SluiceCommand;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.TestGateway;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;

/**
 * The flow of {@code examples/api-management}: the example's configuration served with its simulated pools, keys
 * made with the {@code sluice} commands on a real SQLite file, and the official OpenAI Java SDK as the client.
 * Quotas run on a manual clock so a minute boundary cannot land mid-test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiManagementEndToEndTest {

    static final Path EXAMPLE = Path.of("..", "examples", "api-management");
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;
    static ManualClock clock;
    static SqliteKeyStore gatewayStore;
    static dev.sluice.apim.analytics.JdbcAnalyticsStore analyticsStore;
    static ApiManagement apim;
    static TestGateway gateway;
    static ListAppender<ILoggingEvent> logs;
    static Level rootLevel;
    static final List<String> secrets = new ArrayList<>();
    static String starterKey;
    static String starterKeyId;
    static String starterAppId;

    @BeforeAll
    static void start() throws Exception {
        // Everything the gateway logs, at DEBUG, to check that keys never show up.
        final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        rootLevel = root.getLevel();
        root.setLevel(Level.DEBUG);
        logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);

        clock = ManualClock.at("2026-03-10T12:00:05Z");
        gatewayStore = SqliteKeyStore.open(dir.resolve("data"), clock);
        analyticsStore = dev.sluice.apim.analytics.JdbcAnalyticsStore.sqlite(dir.resolve("data"));
        apim = ApiManagement.builder().clock(clock).keyStore(gatewayStore).analyticsStore(analyticsStore).build();
        final StringBuilder yaml = new StringBuilder();
        try (var files = Files.list(EXAMPLE)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                yaml.append(Files.readString(f)).append("\n---\n");
            }
        }
        final AtomicReference<TestGateway> running = new AtomicReference<>();
        apim.productsFromConfig(() -> running.get() != null ? running.get().server().snapshot().config() : null);
        gateway = TestGateway.start(dir, yaml.toString().replace("port: 8080", "port: ${PORT}"),
                                    new ExtensionRegistry().register(ApiManagement.SERVICE, apim.factory()));
        running.set(gateway);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        apim.close();
        analyticsStore.close();
        gatewayStore.close();
        final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(logs);
        root.setLevel(rootLevel);
    }

    /** Runs {@code sluice ARGS --data-dir DIR --json} and returns its JSON output. */
    static JsonNode sluice(String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new SluiceCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dir.resolve("data").toString(), "--json"));
        assertThat(cl.execute(all.toArray(String[]::new))).as(err.toString()).isZero();
        return JSON.readTree(out.toString());
    }

    static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(gateway.baseUrl() + "/v1").apiKey(key).maxRetries(0)
                                 .timeout(Duration.ofSeconds(20)).build();
    }

    static CompletionCreateParams gemma() {
        return CompletionCreateParams.builder().model("google/gemma-3-1b-it").prompt("Say hi").maxTokens(5).build();
    }

    /** Sends with {@code key} until the gateway's key cache has picked it up (at most a few seconds). */
    static HttpResponseFor<Completion> firstSuccess(OpenAIClient client) {
        final AtomicReference<HttpResponseFor<Completion>> ok = new AtomicReference<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                                 .ignoreException(UnauthorizedException.class).until(() -> {
                                     final var r = client.completions().withRawResponse().create(gemma());
                                     ok.set(r);
                                     return r.statusCode() == 200;
                                 });
        return ok.get();
    }

    static void awaitRecords(int n) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gateway.records().size() >= n);
    }

    /**
     * Sends what the SDK sent, as a plain request with the key as a bearer token, and returns the body: the SDK
     * reads only OpenAI's {@code error} object from error bodies, so the Apigee fault is checked this way.
     */
    static String rawFault(String key, String model) {
        final AggregatedHttpResponse r = gateway.http().execute(
                RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON,
                                  "authorization", "Bearer " + key),
                "{\"model\":\"" + model + "\",\"prompt\":\"Say hi\",\"max_tokens\":5}").aggregate().join();
        return r.status().code() + " " + r.contentUtf8();
    }

    @Test
    @Order(1)
    void withoutAKey_everyRequestGetsTheOperatorsFault() {
        final AggregatedHttpResponse r = gateway.http().execute(
                RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON),
                "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"Say hi\",\"max_tokens\":5}").aggregate().join();
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(r.contentUtf8()).isEqualTo(
                "{\"fault\":{\"faultstring\":\"Raising fault. Fault name : RF-insufficient-request-raise-fault\"," +
                "\"detail\":{\"errorcode\":\"steps.raisefault.RaiseFault\"}}}");
        assertThat(gateway.sim("gemma-0").stats().requestsReceived()).isZero();

        final UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
                () -> client(ApiKeys.newKey()).completions().create(gemma()));
        assertThat(e.statusCode()).isEqualTo(401);
        assertThat(rawFault(ApiKeys.newKey(), "google/gemma-3-1b-it")).isEqualTo(
                "401 {\"fault\":{\"faultstring\":\"Invalid ApiKey\",\"detail\":{\"errorcode\":" +
                "\"oauth.v2.InvalidApiKey\"}}}");
    }

    @Test
    @Order(2)
    void aKeyMadeWithTheCommandsPasses() {
        sluice("developers", "create", "--email", "ada@example.com", "--first-name", "Ada");
        starterAppId = sluice("apps", "create", "--developer", "ada@example.com", "--name", "chatbot",
                              "--products", "starter").get(0).get("id").stringValue();
        final JsonNode key = sluice("keys", "create", "--app", starterAppId);
        starterKey = key.get("key").stringValue();
        starterKeyId = key.get("id").stringValue();
        secrets.add(starterKey);

        final HttpResponseFor<Completion> r = firstSuccess(client(starterKey));
        final Completion c = r.parse();
        assertThat(c.model()).isEqualTo("google/gemma-3-1b-it");
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);
        assertThat(r.headers().values("x-ratelimit-limit-requests")).containsExactly("5");
        assertThat(r.headers().values("x-ratelimit-remaining-requests")).containsExactly("4");
        assertThat(r.headers().values("x-ratelimit-limit-tokens")).containsExactly("5000");
        // The model server never sees the gateway key.
        for (Map<String, String> h : gateway.sim("gemma-0").stats().lastRequestHeaders()) {
            assertThat(h.values()).noneMatch(v -> v.contains(starterKey));
        }
    }

    @Test
    @Order(3)
    void aModelOutsideTheProductIsRefused() {
        final UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
                () -> client(starterKey).completions().create(CompletionCreateParams.builder()
                        .model("meta-llama/Llama-3.1-8B-Instruct").prompt("Say hi").maxTokens(5).build()));
        assertThat(e.statusCode()).isEqualTo(401);
        assertThat(rawFault(starterKey, "meta-llama/Llama-3.1-8B-Instruct")).isEqualTo(
                "401 {\"fault\":{\"faultstring\":\"Invalid API call as no apiproduct match found\"," +
                "\"detail\":{\"errorcode\":\"keymanagement.service.InvalidAPICallAsNoApiProductMatchFound\"}}}");
    }

    @Test
    @Order(4)
    void theQuotaBitesAndResetsWithTheMinute() {
        final OpenAIClient client = client(starterKey);
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofMillis(100));
            assertThat(client.completions().create(gemma()).choices()).hasSize(1);
        }
        clock.advance(Duration.ofMillis(100));
        final RateLimitException e = catchThrowableOfType(RateLimitException.class,
                                                          () -> client.completions().create(gemma()));
        assertThat(e.statusCode()).isEqualTo(429);
        assertThat(e.headers().values("x-ratelimit-remaining-requests")).containsExactly("0");
        assertThat(rawFault(starterKey, "google/gemma-3-1b-it")).isEqualTo(
                "429 {\"fault\":{\"faultstring\":\"Rate limit quota violation. Quota limit  exceeded. " +
                "Identifier : " + starterAppId + "\",\"detail\":{\"errorcode\":" +
                "\"policies.ratelimit.QuotaViolation\"}}}");

        clock.advance(Duration.ofMinutes(1));
        assertThat(client.completions().create(gemma()).choices()).hasSize(1);
    }

    @Test
    @Order(5)
    void streams_areSettledFromAUsageChunkTheClientNeverSees() {
        final String appId = sluice("apps", "create", "--developer", "ada@example.com", "--name", "premium-app",
                                    "--products", "premium").get(0).get("id").stringValue();
        final String key = sluice("keys", "create", "--app", appId).get("key").stringValue();
        secrets.add(key);
        final OpenAIClient client = client(key);
        firstSuccess(client);

        final ChatCompletionCreateParams chat = ChatCompletionCreateParams.builder()
                .model("meta-llama/Llama-3.1-8B-Instruct").addUserMessage("Tell me a story")
                .maxCompletionTokens(300).build();
        final int recordsBefore = gateway.records().size();
        final HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
                client.chat().completions().withRawResponse().createStreaming(chat);
        final long remainingBefore = Long.parseLong(raw.headers().values("x-ratelimit-remaining-tokens").get(0));
        int chunks = 0;
        try (StreamResponse<ChatCompletionChunk> s = raw.parse()) {
            for (ChatCompletionChunk c : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                assertThat(c.usage()).isEmpty();
                chunks++;
            }
        }
        assertThat(chunks).isGreaterThan(1);
        // The stream is settled when the gateway relays its end, which the client may not wait for.
        awaitRecords(recordsBefore + 1);

        // A client that asks for usage gets it; the budget it reports shows the first stream was settled at its
        // real size (20 generated tokens), not its 300-token reservation.
        final ChatCompletionCreateParams withUsage = chat.toBuilder().streamOptions(
                ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        final HttpResponseFor<StreamResponse<ChatCompletionChunk>> second =
                client.chat().completions().withRawResponse().createStreaming(withUsage);
        final long remainingAfter = Long.parseLong(second.headers().values("x-ratelimit-remaining-tokens").get(0));
        long total = -1;
        try (StreamResponse<ChatCompletionChunk> s = second.parse()) {
            for (ChatCompletionChunk c : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                if (c.usage().isPresent()) {
                    total = c.usage().get().totalTokens();
                }
            }
        }
        assertThat(total).isPositive();
        // Both requests reserve the same (same prompt, same max_tokens), so between the two headers the only
        // change is the first stream's reservation replaced by its real usage, which equals the second's.
        assertThat(remainingBefore - remainingAfter).isEqualTo(total);
    }

    @Test
    @Order(6)
    void aRevokedKeyStopsWithinTheSyncInterval() {
        sluice("keys", "revoke", starterKeyId);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                                 .until(() -> {
                                     try {
                                         client(starterKey).completions().create(gemma());
                                         return false;
                                     } catch (UnauthorizedException e) {
                                         return true;
                                     } catch (RateLimitException e) {
                                         return false;
                                     }
                                 });
        assertThat(rawFault(starterKey, "google/gemma-3-1b-it")).isEqualTo(
                "401 {\"fault\":{\"faultstring\":\"ApiKey not approved\",\"detail\":{\"errorcode\":" +
                "\"oauth.v2.ApiKeyNotApproved\"}}}");
    }

    @Test
    @Order(7)
    void keysNeverAppearInLogsOrAccessRecords() {
        assertThat(secrets).isNotEmpty();
        assertThat(logs.list).isNotEmpty();
        for (ILoggingEvent e : logs.list) {
            final String text = e.getFormattedMessage() +
                                (e.getThrowableProxy() != null ? ThrowableProxyUtil.asString(e.getThrowableProxy())
                                                               : "");
            for (String s : secrets) {
                assertThat(text).doesNotContain(s);
            }
        }
        assertThat(gateway.records()).isNotEmpty();
        for (var r : gateway.records()) {
            for (String s : secrets) {
                assertThat(r.toString()).doesNotContain(s);
            }
        }
    }

    @Test
    @Order(8)
    void theFlowShowsInAnalytics() {
        // What `sluice analytics --group-by product` prints for this flow, once the writer has flushed (1 s).
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                                 .until(() -> analyticsStore.summarize(dev.sluice.apim.analytics.AnalyticsQuery.all())
                                                            .get(0).requests() == gateway.records().size());
        final JsonNode rows = sluice("analytics", "--group-by", "product");
        final Map<String, JsonNode> byProduct = new java.util.HashMap<>();
        rows.forEach(r -> byProduct.put(r.get("product").isNull() ? "(not set)" : r.get("product").stringValue(),
                                        r));
        // starter: the SDK's successes, the raw fault check and the quota's refusals (429 counts as an error).
        assertThat(byProduct.get("starter").get("errors").asLong()).isGreaterThanOrEqualTo(2);
        assertThat(byProduct.get("starter").get("outputTokens").asLong()).isPositive();
        assertThat(byProduct.get("premium").get("requests").asLong()).isGreaterThanOrEqualTo(3);
        // Requests refused before a product was known: no key, unknown key, model outside the product.
        assertThat(byProduct.get("(not set)").get("errors").asLong())
                .isEqualTo(byProduct.get("(not set)").get("requests").asLong());
    }
}

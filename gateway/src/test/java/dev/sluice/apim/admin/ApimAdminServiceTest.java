package dev.sluice.apim.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.TestGateway;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The admin REST API on a running gateway's admin listener: authorization, the full CRUD flow, errors. */
class ApimAdminServiceTest {

    static final String TOKEN = "s3cret-admin-token-for-tests";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;
    static SqliteKeyStore keys;
    static JdbcAnalyticsStore analytics;
    static TestGateway gateway;
    static WebClient admin;

    @BeforeAll
    static void start() throws Exception {
        keys = SqliteKeyStore.open(dir.resolve("data"), Clock.systemUTC());
        analytics = JdbcAnalyticsStore.sqlite(dir.resolve("data"));
        gateway = TestGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(), o -> o
                .adminService(ApimAdminService.PATH, new ApimAdminService(keys, analytics, TOKEN, Clock.systemUTC()))
                .adminService("/admin/disabled", new ApimAdminService(keys, analytics, null, Clock.systemUTC())));
        admin = WebClient.of("http://127.0.0.1:" + gateway.server().adminPort());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        analytics.close();
        keys.close();
    }

    static AggregatedHttpResponse call(HttpMethod method, String path, String body, String... headers) {
        final var b = RequestHeaders.builder(method, path);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        if (!body.isEmpty()) {
            b.contentType(MediaType.JSON);
        }
        return admin.execute(b.build(), body).aggregate().join();
    }

    static AggregatedHttpResponse authed(HttpMethod method, String path, String body) {
        return call(method, ApimAdminService.PATH + path, body, "authorization", "Bearer " + TOKEN);
    }

    static JsonNode json(AggregatedHttpResponse r) {
        return JSON.readTree(r.contentUtf8());
    }

    @Test
    void refusesWithoutOrWithAWrongToken_andAnswers404WhenOff() {
        final AggregatedHttpResponse none = call(HttpMethod.GET, "/admin/apim/developers", "");
        assertThat(none.status().code()).isEqualTo(401);
        assertThat(none.headers().get("www-authenticate")).startsWith("Bearer");
        assertThat(json(none).at("/error/code").stringValue()).isEqualTo("unauthorized");
        assertThat(call(HttpMethod.GET, "/admin/apim/developers", "", "authorization", "Basic Zm9vOmJhcg==")
                           .status().code()).isEqualTo(401);
        final AggregatedHttpResponse wrong = call(HttpMethod.GET, "/admin/apim/developers", "", "authorization",
                                                  "Bearer " + TOKEN + "x");
        assertThat(wrong.status().code()).isEqualTo(403);
        assertThat(wrong.contentUtf8()).doesNotContain(TOKEN);
        // Wrong requests change nothing.
        assertThat(call(HttpMethod.POST, "/admin/apim/developers", "{\"email\":\"eve@example.com\"}",
                        "authorization", "Bearer nope").status().code()).isEqualTo(403);
        assertThat(keys.developer("eve@example.com")).isEmpty();

        final AggregatedHttpResponse disabled = call(HttpMethod.GET, "/admin/disabled/developers", "",
                                                     "authorization", "Bearer " + TOKEN);
        assertThat(disabled.status().code()).isEqualTo(404);
        assertThat(disabled.contentUtf8()).contains("disabled");
    }

    @Test
    void fullFlow_developersAppsKeys_andTheKeyIsShownOnce() {
        final AggregatedHttpResponse developer = authed(HttpMethod.POST, "/developers",
                                                  "{\"email\":\"ada@example.com\",\"firstName\":\"Ada\"}");
        assertThat(developer.status().code()).isEqualTo(201);
        final String devId = json(developer).get("id").stringValue();
        assertThat(json(developer).get("status").stringValue()).isEqualTo("active");
        assertThat(authed(HttpMethod.POST, "/developers", "{\"email\":\"ada@example.com\"}").status().code())
                .isEqualTo(409);
        assertThat(json(authed(HttpMethod.GET, "/developers/ada@example.com", "")).get("id").stringValue())
                .isEqualTo(devId);

        final AggregatedHttpResponse app = authed(HttpMethod.POST, "/apps",
                "{\"developer\":\"ada@example.com\",\"name\":\"chatbot\",\"products\":[\"starter\"]}");
        assertThat(app.status().code()).isEqualTo(201);
        final String appId = json(app).get("id").stringValue();
        assertThat(json(authed(HttpMethod.GET, "/apps?developer=" + devId, "")).get(0).get("name").stringValue())
                .isEqualTo("chatbot");
        assertThat(json(authed(HttpMethod.PUT, "/apps/" + appId + "/products",
                               "{\"products\":[\"premium\",\"starter\"]}")).get("products").toString())
                .isEqualTo("[\"premium\",\"starter\"]");
        assertThat(json(authed(HttpMethod.POST, "/apps/" + appId + "/revoke", "")).get("status").stringValue())
                .isEqualTo("revoked");
        assertThat(json(authed(HttpMethod.POST, "/apps/" + appId + "/approve", "")).get("status").stringValue())
                .isEqualTo("approved");

        final AggregatedHttpResponse created = authed(HttpMethod.POST, "/keys",
                                                      "{\"app\":\"" + appId + "\",\"expiresIn\":\"30d\"}");
        assertThat(created.status().code()).isEqualTo(201);
        final String key = json(created).get("key").stringValue();
        final String keyId = json(created).get("id").stringValue();
        assertThat(key).isNotBlank();
        assertThat(Instant.parse(json(created).get("expiresAt").stringValue())).isAfter(Instant.now());
        // The store resolves the key by its hash: it is the real key.
        assertThat(keys.credential(dev.sluice.apim.ApiKeys.hash(key))).isPresent();
        // Shown once: no other answer carries it.
        final AggregatedHttpResponse list = authed(HttpMethod.GET, "/keys?app=" + appId, "");
        assertThat(list.contentUtf8()).doesNotContain(key);
        assertThat(json(list).get(0).has("key")).isFalse();
        assertThat(json(list).get(0).get("hint").stringValue()).isEqualTo("…" + key.substring(key.length() - 4));
        assertThat(authed(HttpMethod.GET, "/keys/" + keyId, "").contentUtf8()).doesNotContain(key);

        final AggregatedHttpResponse rotated = authed(HttpMethod.POST, "/keys/" + keyId + "/rotate",
                                                      "{\"grace\":\"1h\"}");
        assertThat(rotated.status().code()).isEqualTo(201);
        final String newKey = json(rotated).get("key").stringValue();
        assertThat(newKey).isNotEqualTo(key);
        assertThat(authed(HttpMethod.GET, "/keys?app=" + appId, "").contentUtf8()).doesNotContain(newKey);
        assertThat(json(authed(HttpMethod.GET, "/keys?app=" + appId, ""))).hasSize(2);

        assertThat(json(authed(HttpMethod.POST, "/keys/" + keyId + "/revoke", "")).get("status").stringValue())
                .isEqualTo("revoked");
        assertThat(json(authed(HttpMethod.POST, "/keys/" + keyId + "/approve", "")).get("status").stringValue())
                .isEqualTo("approved");
        assertThat(json(authed(HttpMethod.POST, "/developers/" + devId + "/deactivate", ""))
                           .get("status").stringValue()).isEqualTo("inactive");
        assertThat(json(authed(HttpMethod.POST, "/developers/" + devId + "/activate", ""))
                           .get("status").stringValue()).isEqualTo("active");
    }

    @Test
    void clearErrors() {
        final AggregatedHttpResponse badJson = authed(HttpMethod.POST, "/developers", "{\"email\":");
        assertThat(badJson.status().code()).isEqualTo(400);
        assertThat(json(badJson).at("/error/message").stringValue()).startsWith("the body is not valid JSON");
        assertThat(json(authed(HttpMethod.POST, "/developers", "{\"firstName\":\"x\"}")).at("/error/message")
                           .stringValue()).isEqualTo("email: missing (expected: a non-blank string)");
        assertThat(json(authed(HttpMethod.POST, "/apps", "{\"developer\":\"x\",\"name\":\"y\",\"products\":3}"))
                           .at("/error/message").stringValue())
                .isEqualTo("products: 3 (expected: an array of strings)");
        assertThat(authed(HttpMethod.POST, "/keys", "{\"app\":\"app_nope\",\"expiresIn\":\"soon\"}").status()
                           .code()).isEqualTo(400);
        final AggregatedHttpResponse noApp = authed(HttpMethod.POST, "/keys", "{\"app\":\"app_nope\"}");
        assertThat(noApp.status().code()).isEqualTo(404);
        assertThat(json(noApp).at("/error/code").stringValue()).isEqualTo("not_found");
        assertThat(authed(HttpMethod.GET, "/keys/key_nope", "").status().code()).isEqualTo(404);
        assertThat(authed(HttpMethod.GET, "/widgets", "").status().code()).isEqualTo(404);
        assertThat(authed(HttpMethod.DELETE, "/developers", "").status().code()).isEqualTo(405);
        assertThat(json(authed(HttpMethod.GET, "/analytics?groupBy=colour", "")).at("/error/message")
                           .stringValue()).startsWith("group by: colour");
        assertThat(authed(HttpMethod.GET, "/analytics/records?limit=0", "").status().code()).isEqualTo(400);
    }

    @Test
    void analyticsQueries() {
        final Instant t = Instant.parse("2026-03-10T12:00:00Z");
        analytics.append(List.of(
                new AnalyticsRecord("a1", t, "r1", "key_1", "app_q", "dev_q", "starter", "gemma", "gemma", "p",
                                    200, 10_000, 8_000, 10, 20, 0, 100, 200, null),
                new AnalyticsRecord("a2", t.plusSeconds(5), "r2", "key_1", "app_q", "dev_q", "starter", "gemma",
                                    "gemma", "p", 429, 1_000, 0, 0, 0, 0, 100, 200,
                                    "policies.ratelimit.QuotaViolation"),
                new AnalyticsRecord("a3", t.plusSeconds(9), "r3", "key_2", "app_r", "dev_q", "premium", "llama",
                                    "llama", "p", 200, 30_000, 25_000, 100, 300, 50, 100, 200, null)));
        final JsonNode rows = json(authed(HttpMethod.GET, "/analytics?developer=dev_q&groupBy=product,model" +
                                                          "&since=2026-03-10&until=2026-03-11T00:00:00Z", ""))
                .get("rows");
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).toString()).isEqualTo(
                "{\"product\":\"starter\",\"model\":\"gemma\",\"requests\":2,\"errors\":1,\"inputTokens\":10," +
                "\"outputTokens\":20,\"cachedTokens\":0,\"avgLatencyMs\":5.5,\"maxLatencyMs\":10.0," +
                "\"avgUpstreamLatencyMs\":8.0}");
        final JsonNode records = json(authed(HttpMethod.GET, "/analytics/records?app=app_r&limit=5", ""))
                .get("records");
        assertThat(records).hasSize(1);
        assertThat(records.get(0).get("requestId").stringValue()).isEqualTo("r3");
        assertThat(records.get(0).get("outputTokens").asLong()).isEqualTo(300);
    }
}

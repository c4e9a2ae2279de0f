package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.apim.ApiManagement;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.store.PostgresKeyStore;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.GatewayServer;
import dev.sluice.server.TestGateway;
import dev.sluice.testing.PostgresServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;

/**
 * {@code sluice serve}'s admin API manages the store its {@code --key-store} or {@code --data-dir} names, else the one
 * the configuration's {@code api-management} extension uses.
 */
class ServeAdminApiStoreTest {

    @RegisterExtension
    static final PostgresServer pg = new PostgresServer();

    static final String TOKEN = "serve-admin-token-for-tests";
    static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    static SluiceCommand.Serve serve(String... args) {
        final SluiceCommand.Serve serve = new SluiceCommand.Serve();
        new CommandLine(serve).parseArgs(args);
        return serve;
    }

    static AggregatedHttpResponse call(TestGateway g, HttpMethod method, String path, String body) {
        final var headers = RequestHeaders.builder(method, "/admin/apim" + path)
                                          .add("authorization", "Bearer " + TOKEN);
        if (!body.isEmpty()) {
            headers.contentType(MediaType.JSON);
        }
        return WebClient.of("http://127.0.0.1:" + g.server().adminPort()).execute(headers.build(), body)
                        .aggregate().join();
    }

    /** A configuration whose api-management extension has {@code metadata} (none when {@code null}). */
    GatewayConfig config(@Nullable String metadata) throws Exception {
        String yaml = TestGateway.TWO_POOLS;
        if (metadata != null) {
            yaml += """
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
                          supportedEvents: [RequestHeaders, RequestBody]
                          metadata: %s
                    """.formatted(metadata);
        }
        final Path file = Files.createDirectories(dir.resolve("config")).resolve("gateway.yaml");
        Files.writeString(file, yaml.replace("${PORT}", "18080"));
        return ConfigLoader.load(file, Set.of(ApiManagement.SERVICE));
    }

    @Test
    void withoutOptionsTheAdminApiUsesTheStoreOfTheApiManagementExtension() throws Exception {
        final String url = pg.newDatabase();
        final SluiceCommand.Serve serve = serve();
        final GatewayConfig config = config("{keyStore: \"" + url + "\"}");
        try (TestGateway g = TestGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                                               o -> serve.adminApi(o, TOKEN, config))) {
            assertThat(call(g, HttpMethod.POST, "/developers", "{\"email\":\"bob@example.com\"}").status().code())
                    .isEqualTo(201);
        }
        try (PostgresKeyStore store = PostgresKeyStore.open(url, Clock.systemUTC())) {
            assertThat(store.developer("bob@example.com")).isPresent();
        }
    }

    @Test
    void optionsWinOverTheConfiguration_andTwoConfiguredStoresAreRefused() throws Exception {
        final Path data = dir.resolve("from-option");
        final SluiceCommand.Serve serve = serve("--data-dir", data.toString());
        final GatewayConfig config = config("{keyStore: \"" + pg.jdbcUrl() + "\"}");
        try (TestGateway g = TestGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                                               o -> serve.adminApi(o, TOKEN, config))) {
            assertThat(call(g, HttpMethod.POST, "/developers", "{\"email\":\"cy@example.com\"}").status().code())
                    .isEqualTo(201);
        }
        try (SqliteKeyStore store = SqliteKeyStore.open(data, Clock.systemUTC())) {
            assertThat(store.developer("cy@example.com")).isPresent();
        }

        final String two = TestGateway.TWO_POOLS.replace("${PORT}", "18080") + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: apim}
                spec:
                  targetRefs: [{name: gw}]
                  extensionChains:
                  - name: a
                    matchCondition: {celExpressions: [{celMatcher: 'request.path.startsWith("/v1/")'}]}
                    extensions:
                    - {name: apim-a, service: api-management, supportedEvents: [RequestHeaders, RequestBody],
                       metadata: {dataDir: /tmp/a}}
                  - name: b
                    matchCondition: {celExpressions: [{celMatcher: 'request.path.startsWith("/v2/")'}]}
                    extensions:
                    - {name: apim-b, service: api-management, supportedEvents: [RequestHeaders, RequestBody],
                       metadata: {dataDir: /tmp/b}}
                """;
        final Path file = Files.createDirectories(dir.resolve("two")).resolve("gateway.yaml");
        Files.writeString(file, two);
        final GatewayConfig twoStores = ConfigLoader.load(file, Set.of(ApiManagement.SERVICE));
        assertThatThrownBy(() -> serve().adminApi(new GatewayServer.Options(), TOKEN, twoStores))
                .hasMessage("the api-management extensions use 2 different stores; choose the admin API's with " +
                            "--data-dir or --key-store");
    }

    @Test
    void withKeyStoreTheAdminApiUsesPostgres_forKeysAndAnalytics() throws Exception {
        final String url = pg.newDatabase();
        final SluiceCommand.Serve serve = serve("--key-store", url);
        final GatewayConfig none = config(null);
        try (TestGateway g = TestGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                                               o -> serve.adminApi(o, TOKEN, none))) {
            assertThat(call(g, HttpMethod.POST, "/developers", "{\"email\":\"ada@example.com\"}").status().code())
                    .isEqualTo(201);
            try (PostgresKeyStore store = PostgresKeyStore.open(url, Clock.systemUTC())) {
                assertThat(store.developer("ada@example.com")).isPresent();
            }
            try (AnalyticsStore shared = JdbcAnalyticsStore.postgres(url)) {
                shared.append(List.of(new AnalyticsRecord(
                        "1", Instant.parse("2026-03-10T12:00:00Z"), "r1", "key_1", "app_1", "dev_1", "free", "gemma",
                        "gemma", "g", 200, 4_000, 3_000, 10, 20, 0, 1, 2, null)));
            }
            final JsonNode rows = JSON.readTree(call(g, HttpMethod.GET, "/analytics?groupBy=product", "")
                                                        .contentUtf8()).get("rows");
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).get("product").stringValue()).isEqualTo("free");
        }
        // Nothing went to a SQLite store.
        assertThat(dir.resolve("data")).doesNotExist();
    }

    @Test
    void withDataDirTheAdminApiUsesSqliteThere() throws Exception {
        final Path data = dir.resolve("apim-data");
        final SluiceCommand.Serve serve = serve("--data-dir", data.toString());
        final GatewayConfig none = config(null);
        try (TestGateway g = TestGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                                               o -> serve.adminApi(o, TOKEN, none))) {
            assertThat(call(g, HttpMethod.POST, "/developers", "{\"email\":\"ada@example.com\"}").status().code())
                    .isEqualTo(201);
        }
        try (SqliteKeyStore store = SqliteKeyStore.open(data, Clock.systemUTC())) {
            assertThat(store.developer("ada@example.com")).isPresent();
        }
    }
}

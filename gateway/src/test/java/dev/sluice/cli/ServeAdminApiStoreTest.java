package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.store.PostgresKeyStore;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.TestGateway;
import dev.sluice.testing.PostgresServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;

/** {@code sluice serve}'s admin API manages the store its {@code --key-store} or {@code --data-dir} names. */
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

    @Test
    void withKeyStoreTheAdminApiUsesPostgres_forKeysAndAnalytics() throws Exception {
        final String url = pg.newDatabase();
        final SluiceCommand.Serve serve = serve("--key-store", url);
        try (TestGateway g = TestGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                                               o -> serve.adminApi(o, TOKEN))) {
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
        try (TestGateway g = TestGateway.start(dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                                               o -> serve.adminApi(o, TOKEN))) {
            assertThat(call(g, HttpMethod.POST, "/developers", "{\"email\":\"ada@example.com\"}").status().code())
                    .isEqualTo(201);
        }
        try (SqliteKeyStore store = SqliteKeyStore.open(data, Clock.systemUTC())) {
            assertThat(store.developer("ada@example.com")).isPresent();
        }
    }
}

package dev.sluice.apim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.apim.store.PostgresKeyStore;
import dev.sluice.cli.SluiceCommand;
import dev.sluice.testing.PostgresServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;

/**
 * The store commands with {@code --key-store} write to PostgreSQL, where the gateway's store finds the keys, and
 * {@code sluice analytics --key-store} reads the analytics the gateway writes there.
 */
class ApimCommandsPostgresTest {

    @RegisterExtension
    static final PostgresServer pg = new PostgresServer();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static String[] run(int expectedExit, String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new SluiceCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute(args)).as(err.toString()).isEqualTo(expectedExit);
        return new String[] { out.toString(), err.toString() };
    }

    /** Creates a developer and its app subscribed to {@code free} with the commands, and returns the app's id. */
    private static String createApp(String url) {
        run(0, "developers", "create", "--email", "ada@example.com", "--key-store", url);
        return JSON.readTree(run(0, "apps", "create", "--developer", "ada@example.com", "--name", "chatbot",
                                 "--products", "free", "--json", "--key-store", url)[0])
                   .get(0).get("id").stringValue();
    }

    @Test
    void commandsUseTheKeyStoreUrl() {
        final String url = pg.newDatabase();
        final String app = createApp(url);
        final String secret = JSON.readTree(run(0, "keys", "create", "--app", app, "--json", "--key-store", url)[0])
                                  .get("key").stringValue();
        try (PostgresKeyStore store = PostgresKeyStore.open(url, Clock.systemUTC())) {
            assertThat(store.credential(ApiKeys.hash(secret)).orElseThrow().app().id()).isEqualTo(app);
        }
    }

    @Test
    void analyticsReadsTheSameDatabase_asTheGatewayWritesIt() {
        final String url = pg.newDatabase();
        final String app = createApp(url);
        run(0, "keys", "create", "--app", app, "--key-store", url);
        // What the api-management extension with this keyStore writes, from two replicas.
        final Instant t = Instant.parse("2026-03-10T12:00:00Z");
        try (AnalyticsStore replica1 = JdbcAnalyticsStore.postgres(url);
             AnalyticsStore replica2 = JdbcAnalyticsStore.postgres(url)) {
            replica1.append(List.of(new AnalyticsRecord("1", t, "r1", "key_1", app, "dev_1", "free", "gemma",
                                                        "gemma", "g", 200, 4_000, 3_000, 10, 20, 0, 1, 2, null)));
            replica2.append(List.of(new AnalyticsRecord("2", t, "r2", "key_1", app, "dev_1", "free", "gemma",
                                                        "gemma", "g", 200, 2_000, 1_000, 5, 7, 0, 1, 2, null)));
        }
        final JsonNode rows = JSON.readTree(run(0, "analytics", "--app", app, "--group-by", "product", "--json",
                                                "--key-store", url)[0]);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("product").stringValue()).isEqualTo("free");
        assertThat(rows.get(0).get("requests").asLong()).isEqualTo(2);
        assertThat(rows.get(0).get("inputTokens").asLong()).isEqualTo(15);
    }

    @Test
    void aKeyStoreThatIsNotPostgresIsRefusedWithoutShowingItsPassword() {
        final String err = run(1, "analytics", "--key-store", "jdbc:mysql://db/sluice?password=hunter2")[1];
        assertThat(err).contains("--key-store: jdbc:mysql://db/sluice (expected: a JDBC URL starting with " +
                                 "jdbc:postgresql:)").doesNotContain("hunter2");
        assertThat(run(1, "keys", "list", "--key-store", "sqlite:/tmp/x")[1])
                .contains("--key-store: sqlite:/tmp/x (expected: a JDBC URL starting with jdbc:postgresql:)");
    }

    @Test
    void aDataDirAndAKeyStoreTogetherAreRefused() {
        final String err = run(1, "developers", "list", "--key-store", pg.jdbcUrl(), "--data-dir", "/tmp/x")[1];
        assertThat(err).contains("--data-dir and --key-store: choose one store");
    }
}

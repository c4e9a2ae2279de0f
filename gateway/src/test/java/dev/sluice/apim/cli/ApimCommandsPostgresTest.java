package dev.sluice.apim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.store.PostgresKeyStore;
import dev.sluice.cli.SluiceCommand;
import dev.sluice.testing.PostgresServer;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;

/** The store commands with {@code --key-store} write to PostgreSQL, where the gateway's store finds the keys. */
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

    @Test
    void commandsUseTheKeyStoreUrl() {
        final String url = pg.newDatabase();
        run(0, "developers", "create", "--email", "ada@example.com", "--key-store", url);
        final String app = JSON.readTree(run(0, "apps", "create", "--developer", "ada@example.com", "--name",
                                             "chatbot", "--products", "free", "--json", "--key-store", url)[0])
                               .get(0).get("id").stringValue();
        final String secret = JSON.readTree(run(0, "keys", "create", "--app", app, "--json", "--key-store", url)[0])
                                  .get("key").stringValue();
        try (PostgresKeyStore store = PostgresKeyStore.open(url, Clock.systemUTC())) {
            assertThat(store.credential(ApiKeys.hash(secret)).orElseThrow().app().id()).isEqualTo(app);
        }
    }

    @Test
    void aDataDirAndAKeyStoreTogetherAreRefused() {
        final String err = run(1, "developers", "list", "--key-store", pg.jdbcUrl(), "--data-dir", "/tmp/x")[1];
        assertThat(err).contains("--data-dir and --key-store: choose one store");
    }
}

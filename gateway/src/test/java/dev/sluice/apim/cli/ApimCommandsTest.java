package dev.sluice.apim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.apim.ApiKeys;
import dev.sluice.apim.store.SqliteKeyStore;
import dev.sluice.cli.SluiceCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;

/** {@code sluice developers|apps|keys} through the real command line, on a store in a temporary folder. */
class ApimCommandsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
        JsonNode json() {
            return JSON.readTree(out);
        }
    }

    private Run sluice(String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new SluiceCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final String[] withDir = new String[args.length + 2];
        System.arraycopy(args, 0, withDir, 0, args.length);
        final boolean takesStore = args.length > 1 && !"--help".equals(args[1]);
        if (takesStore) {
            withDir[args.length] = "--data-dir";
            withDir[args.length + 1] = dir.toString();
        }
        final int exit = cl.execute(takesStore ? withDir : args);
        return new Run(exit, out.toString(), err.toString());
    }

    private String setUpApp() {
        assertThat(sluice("developers", "create", "--email", "ada@example.com", "--first-name", "Ada").exit())
                .isZero();
        final Run app = sluice("apps", "create", "--developer", "ada@example.com", "--name", "chatbot",
                               "--products", "free, premium", "--json");
        assertThat(app.exit()).isZero();
        return app.json().get(0).get("id").stringValue();
    }

    @Test
    void developersAppsAndKeys_endToEnd() {
        final Run dev = sluice("developers", "list", "--json");
        assertThat(dev.json()).isEmpty();
        final String appId = setUpApp();
        final Run devs = sluice("developers", "list");
        assertThat(devs.out()).contains("ada@example.com").contains("active").contains("Ada");

        final Run apps = sluice("apps", "list", "--developer", "ada@example.com", "--json");
        assertThat(apps.json().get(0).get("products").toString()).isEqualTo("[\"free\",\"premium\"]");
        assertThat(apps.json().get(0).get("status").stringValue()).isEqualTo("approved");

        final Run created = sluice("keys", "create", "--app", appId, "--expires-in", "30d", "--json");
        assertThat(created.exit()).isZero();
        final String secret = created.json().get("key").stringValue();
        final String keyId = created.json().get("id").stringValue();
        assertThat(secret).startsWith(ApiKeys.PREFIX);
        assertThat(Instant.parse(created.json().get("expiresAt").stringValue()))
                .isBetween(Instant.now().plus(Duration.ofDays(29)), Instant.now().plus(Duration.ofDays(31)));

        // Listings never show the key again, only its last four characters.
        final Run listed = sluice("keys", "list", "--app", appId);
        assertThat(listed.out()).contains(keyId).contains("…" + secret.substring(secret.length() - 4))
                                .doesNotContain(secret);
        assertThat(sluice("keys", "list", "--json").out()).doesNotContain(secret);

        // What the command stored is what the gateway looks up.
        try (SqliteKeyStore store = SqliteKeyStore.open(dir, Clock.systemUTC())) {
            assertThat(store.credential(ApiKeys.hash(secret)).orElseThrow().app().id()).isEqualTo(appId);
        }

        assertThat(sluice("keys", "revoke", keyId, "--json").json().get(0).get("status").stringValue())
                .isEqualTo("revoked");
        assertThat(sluice("keys", "approve", keyId, "--json").json().get(0).get("status").stringValue())
                .isEqualTo("approved");

        final Run rotated = sluice("keys", "rotate", keyId, "--grace", "1h", "--json");
        assertThat(rotated.exit()).isZero();
        assertThat(rotated.json().get("key").stringValue()).startsWith(ApiKeys.PREFIX).isNotEqualTo(secret);
        final JsonNode old = sluice("keys", "list", "--json").json().get(0);
        assertThat(old.get("id").stringValue()).isEqualTo(keyId);
        assertThat(old.get("status").stringValue()).isEqualTo("approved");
        assertThat(Instant.parse(old.get("expiresAt").stringValue()))
                .isBefore(Instant.now().plus(Duration.ofMinutes(61)));
    }

    @Test
    void aCreatedKeyIsPrintedOnceInText() {
        final String appId = setUpApp();
        final Run created = sluice("keys", "create", "--app", appId);
        assertThat(created.exit()).isZero();
        assertThat(created.out()).contains("key: " + ApiKeys.PREFIX).contains("cannot show it again")
                                 .contains("never");
    }

    @Test
    void statusesAndProductsChange() {
        final String appId = setUpApp();
        assertThat(sluice("apps", "revoke", appId).out()).contains("revoked");
        assertThat(sluice("apps", "approve", appId).out()).contains("approved");
        assertThat(sluice("apps", "products", appId, "--set", "premium", "--json").json().get(0).get("products")
                                                                                   .toString())
                .isEqualTo("[\"premium\"]");
        assertThat(sluice("developers", "deactivate", "ada@example.com").out()).contains("inactive");
        assertThat(sluice("developers", "activate", "ada@example.com", "--json").json().get(0).get("status")
                                                                                 .stringValue())
                .isEqualTo("active");
    }

    @Test
    void errorsAreOneLineAndExitOne() {
        final Run missing = sluice("keys", "revoke", "key_missing");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("sluice: key not found: key_missing" + System.lineSeparator());
        setUpApp();
        final Run dup = sluice("developers", "create", "--email", "ada@example.com");
        assertThat(dup.exit()).isEqualTo(1);
        assertThat(dup.err()).contains("developer already exists: ada@example.com");
        final Run badDuration = sluice("keys", "create", "--app", "app_x", "--expires-in", "soon");
        assertThat(badDuration.exit()).isEqualTo(1);
        assertThat(badDuration.err()).contains("--expires-in: soon (expected: a duration > 0");
        // A missing required option is picocli's usage error.
        assertThat(sluice("keys", "create").exit()).isEqualTo(2);
    }

    @Test
    void groupsPrintTheirUsage() {
        final Run keys = sluice("keys");
        assertThat(keys.exit()).isZero();
        assertThat(keys.out()).contains("create").contains("rotate").contains("revoke");
        assertThat(sluice("--help").out()).contains("keys").contains("apps").contains("developers");
    }
}

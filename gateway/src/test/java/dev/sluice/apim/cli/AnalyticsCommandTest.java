package dev.sluice.apim.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.JdbcAnalyticsStore;
import dev.sluice.cli.SluiceCommand;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine;

/** {@code sluice analytics} over a real SQLite analytics store. */
class AnalyticsCommandTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    Run sluice(String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new SluiceCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final List<String> all = new ArrayList<>(List.of("analytics", "--data-dir", dir.toString()));
        all.addAll(List.of(args));
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    @BeforeEach
    void fill() {
        final Instant t = Instant.parse("2026-03-10T12:00:00Z");
        try (JdbcAnalyticsStore s = JdbcAnalyticsStore.sqlite(dir)) {
            s.append(List.of(
                    new AnalyticsRecord("1", t, "r1", "key_1", "app_a", "dev_1", "starter", "gemma", "gemma", "g",
                                        200, 4_000, 3_000, 10, 20, 0, 1, 2, null),
                    new AnalyticsRecord("2", t.plusSeconds(60), "r2", "key_1", "app_a", "dev_1", "starter",
                                        "gemma", "gemma", "g", 429, 2_000, 0, 0, 0, 0, 1, 2,
                                        "policies.ratelimit.QuotaViolation"),
                    new AnalyticsRecord("3", t.plusSeconds(7200), "r3", "key_2", "app_b", "dev_1", "premium",
                                        "llama", "llama", "l", 200, 9_000, 8_000, 5, 7, 0, 1, 2, null)));
        }
    }

    @Test
    void summarizesByGroupAsJson() {
        final Run r = sluice("--group-by", "app,product", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        final JsonNode rows = JsonMapper.builder().build().readTree(r.out());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).toString()).isEqualTo(
                "{\"app\":\"app_a\",\"product\":\"starter\",\"requests\":2,\"errors\":1,\"inputTokens\":10," +
                "\"outputTokens\":20,\"cachedTokens\":0,\"avgLatencyMs\":3.0,\"maxLatencyMs\":4.0," +
                "\"avgUpstreamLatencyMs\":3.0}");
    }

    @Test
    void filtersByModelAndWindow_asATable() {
        final Run r = sluice("--model", "gemma", "--since", "2026-03-10T12:00:30Z", "--until", "2026-03-11");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                REQUESTS  ERRORS  TOKENS_IN  TOKENS_OUT  AVG_MS  MAX_MS
                1         1       0          0           2.0     2.0
                """);
        final Run byHour = sluice("--group-by", "hour", "--product", "premium");
        assertThat(byHour.out()).contains("2026-03-10T14:00:00Z  1");
    }

    @Test
    void listsRecords() {
        final Run r = sluice("--records", "2", "--json");
        assertThat(r.exit()).isZero();
        final JsonNode list = JsonMapper.builder().build().readTree(r.out());
        assertThat(list).hasSize(2);
        assertThat(list.get(0).get("requestId").stringValue()).isEqualTo("r3");
    }

    @Test
    void badOptionsSaySo() {
        final Run r = sluice("--group-by", "colour");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("sluice: group by: colour (expected: one or more of app");
        final Run since = sluice("--since", "yesterday");
        assertThat(since.exit()).isEqualTo(1);
        assertThat(since.err()).contains("--since: yesterday (expected: an instant such as");
    }
}

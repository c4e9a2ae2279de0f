package dev.sluice.apim.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;

import dev.sluice.apim.analytics.AnalyticsQuery;
import dev.sluice.apim.analytics.AnalyticsQuery.Dimension;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.AnalyticsStoreException;
import dev.sluice.apim.analytics.TimeBounds;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice analytics}: API management analytics summarized by app, product, model, developer and time, from the
 * store the gateway writes ({@code analytics.db} in the data directory, or the PostgreSQL database of
 * {@code --key-store}).
 */
@Command(name = "analytics", mixinStandardHelpOptions = true,
         description = "Summarizes API management analytics (requests, errors, tokens, latency).")
public final class AnalyticsCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Mixin
    StoreLocation location = new StoreLocation();

    @Option(names = "--app", paramLabel = "APP_ID", description = "Only this app.")
    @Nullable String app;

    @Option(names = "--product", description = "Only this API product.")
    @Nullable String product;

    @Option(names = "--model", description = "Only this model (as the client asked for it).")
    @Nullable String model;

    @Option(names = "--developer", paramLabel = "DEVELOPER_ID", description = "Only this developer.")
    @Nullable String developer;

    @Option(names = "--since", paramLabel = "TIME",
            description = "From this time on: 2026-03-10T12:00:00Z, 2026-03-10, or an age such as 1h or 7d.")
    @Nullable String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Before this time (same forms as --since).")
    @Nullable String until;

    @Option(names = "--group-by", paramLabel = "DIMS",
            description = "Comma-separated: app, product, model, developer, key, pool, status, hour, day. " +
                          "Default: one total.")
    @Nullable String groupBy;

    @Option(names = "--records", paramLabel = "N",
            description = "List the newest N records instead of a summary.")
    int records;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Spec
    @Nullable CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec != null ? spec.commandLine().getOut() : new PrintWriter(System.out, true);
        final PrintWriter err = spec != null ? spec.commandLine().getErr() : new PrintWriter(System.err, true);
        try {
            final Clock clock = Clock.systemUTC();
            final AnalyticsQuery query = new AnalyticsQuery(
                    app, product, model, developer, TimeBounds.parse("--since", since, clock),
                    TimeBounds.parse("--until", until, clock), Dimension.parseList(groupBy));
            if (records < 0) {
                throw new IllegalArgumentException("--records: " + records + " (expected: 1 or more)");
            }
            try (AnalyticsStore store = location.openAnalytics()) {
                if (records > 0) {
                    printRecords(out, store.records(query, records));
                } else {
                    printSummary(out, query, store.summarize(query));
                }
            }
            out.flush();
            return 0;
        } catch (IllegalArgumentException | AnalyticsStoreException e) {
            err.println("sluice: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    /** The JSON form of a summary row: the group's dimensions by name, then the figures. */
    public static Map<String, Object> json(AnalyticsQuery query, AnalyticsQuery.Row r) {
        final Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < query.groupBy().size(); i++) {
            m.put(query.groupBy().get(i).wireName(), r.group().get(i));
        }
        m.put("requests", r.requests());
        m.put("errors", r.errors());
        m.put("inputTokens", r.inputTokens());
        m.put("outputTokens", r.outputTokens());
        m.put("cachedTokens", r.cachedTokens());
        m.put("avgLatencyMs", round(r.avgLatencyMillis()));
        m.put("maxLatencyMs", round(r.maxLatencyMillis()));
        m.put("avgUpstreamLatencyMs", round(r.avgUpstreamLatencyMillis()));
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private void printSummary(PrintWriter out, AnalyticsQuery query, List<AnalyticsQuery.Row> rows) {
        if (json) {
            out.println(JSON.writeValueAsString(rows.stream().map(r -> json(query, r)).toList()));
            return;
        }
        final List<String> header = new ArrayList<>();
        query.groupBy().forEach(d -> header.add(d.wireName().toUpperCase(java.util.Locale.ROOT)));
        header.addAll(List.of("REQUESTS", "ERRORS", "TOKENS_IN", "TOKENS_OUT", "AVG_MS", "MAX_MS"));
        final List<List<String>> table = new ArrayList<>();
        table.add(header);
        for (AnalyticsQuery.Row r : rows) {
            final List<String> line = new ArrayList<>();
            r.group().forEach(g -> line.add(g == null ? "(not set)" : g));
            line.addAll(List.of(String.valueOf(r.requests()), String.valueOf(r.errors()),
                                String.valueOf(r.inputTokens()), String.valueOf(r.outputTokens()),
                                String.format(java.util.Locale.ROOT, "%.1f", r.avgLatencyMillis()),
                                String.format(java.util.Locale.ROOT, "%.1f", r.maxLatencyMillis())));
            table.add(line);
        }
        printTable(out, table);
        if (rows.isEmpty()) {
            out.println("(no records)");
        }
    }

    private void printRecords(PrintWriter out, List<AnalyticsRecord> list) {
        if (json) {
            out.println(JSON.writeValueAsString(list));
            return;
        }
        final List<List<String>> table = new ArrayList<>();
        table.add(List.of("TIME", "STATUS", "APP", "PRODUCT", "MODEL", "POOL", "IN", "OUT", "MS", "ERROR"));
        for (AnalyticsRecord r : list) {
            table.add(List.of(r.time().toString(), String.valueOf(r.status()), orNotSet(r.appId()),
                              orNotSet(r.product()), orNotSet(r.model()), orNotSet(r.pool()),
                              String.valueOf(r.inputTokens()), String.valueOf(r.outputTokens()),
                              String.valueOf(r.totalLatencyMicros() / 1000), r.errorCode() == null ? "-"
                                                                                                   : r.errorCode()));
        }
        printTable(out, table);
    }

    private static String orNotSet(@Nullable String s) {
        return s == null ? "(not set)" : s;
    }

    private static void printTable(PrintWriter out, List<List<String>> rows) {
        final int cols = rows.get(0).size();
        final int[] width = new int[cols];
        for (List<String> r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        for (List<String> r : rows) {
            final StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(i > 0 ? "  " : "").append(String.format("%-" + width[i] + "s", r.get(i)));
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}

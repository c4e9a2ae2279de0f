package dev.sluice.apim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.apim.ApiProduct.Operation;
import dev.sluice.apim.ApiProduct.QuotaIdentifier;
import dev.sluice.apim.limit.Quota;
import dev.sluice.apim.limit.SpikeArrestRate;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigProblem;
import dev.sluice.config.GatewayConfig;

/** ApiProduct resources: binding and validation, and matching by model (exact, glob) and operation. */
class ApiProductTest {

    @TempDir
    Path dir;

    private static ApiProduct product(List<String> models, List<Operation> operations) {
        return new ApiProduct("p", null, models, operations, List.of(), null, null, null, QuotaIdentifier.APP);
    }

    /* ------------------------------------------------------------------------------------------ matching */

    @Test
    void models_matchExactlyOrByGlob() {
        final ApiProduct p = product(List.of("google/gemma-3-1b-it", "meta-llama/*", "qwen-?b"), List.of());
        assertThat(p.allowsModel("google/gemma-3-1b-it")).isTrue();
        assertThat(p.allowsModel("google/gemma-3-4b-it")).isFalse();
        assertThat(p.allowsModel("meta-llama/Llama-3.1-8B-Instruct")).isTrue();
        assertThat(p.allowsModel("meta-llama")).isFalse();
        assertThat(p.allowsModel("qwen-7b")).isTrue();
        assertThat(p.allowsModel("qwen-14b")).isFalse();
        // Regex characters in a model name are literal.
        assertThat(product(List.of("a.b"), List.of()).allowsModel("axb")).isFalse();
        // No model list: any model; a request without a model is not limited by models.
        assertThat(product(List.of(), List.of()).allowsModel("anything")).isTrue();
        assertThat(p.allowsModel(null)).isTrue();
    }

    @Test
    void operations_matchPathsAndMethodsAsApigeeResources() {
        final ApiProduct p = product(List.of(), List.of(
                new Operation("/v1/chat/completions", Set.of("POST")),
                new Operation("/v1/models/**", Set.of("GET")),
                new Operation("/v2/*/status", Set.of())));
        assertThat(p.allowsOperation("/v1/chat/completions", "POST")).isTrue();
        assertThat(p.allowsOperation("/v1/chat/completions", "GET")).isFalse();
        assertThat(p.allowsOperation("/v1/completions", "POST")).isFalse();
        assertThat(p.allowsOperation("/v1/models", "GET")).isTrue();
        assertThat(p.allowsOperation("/v1/models/food-review", "GET")).isTrue();
        assertThat(p.allowsOperation("/v1/models/a/b", "GET")).isTrue();
        assertThat(p.allowsOperation("/v1/modelsx", "GET")).isFalse();
        assertThat(p.allowsOperation("/v2/pool-a/status", "DELETE")).isTrue();
        assertThat(p.allowsOperation("/v2/a/b/status", "GET")).isFalse();

        final ApiProduct oneLevel = product(List.of(), List.of(new Operation("/*", Set.of())));
        assertThat(oneLevel.allowsOperation("/healthz", "GET")).isTrue();
        assertThat(oneLevel.allowsOperation("/v1/completions", "POST")).isFalse();
        final ApiProduct all = product(List.of(), List.of(new Operation("/", Set.of())));
        assertThat(all.allowsOperation("/v1/completions", "POST")).isTrue();
        assertThat(product(List.of(), List.of()).allowsOperation("/anything", "PUT")).isTrue();
    }

    /* ------------------------------------------------------------------------------------------ configuration */

    private static final String POOL = """
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: llama}
            spec:
              selector: {matchLabels: {app: llama}}
              targetPorts: [{number: 8000}]
            ---
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceObjective
            metadata: {name: premium}
            spec: {priority: 10, poolRef: {name: llama}}
            ---
            """;

    private GatewayConfig load(String yaml) throws Exception {
        Files.writeString(dir.resolve("c.yaml"), POOL + yaml);
        return ConfigLoader.load(dir.resolve("c.yaml"), Set.of());
    }

    private List<String> problems(String yaml) throws Exception {
        Files.writeString(dir.resolve("c.yaml"), POOL + yaml);
        final ConfigException e = catchThrowableOfType(ConfigException.class,
                                                       () -> ConfigLoader.load(dir.resolve("c.yaml"), Set.of()));
        assertThat(e).isNotNull();
        return e.problems().stream().map(ConfigProblem::toString)
                .map(s -> s.substring(s.indexOf("ApiProduct/"))).toList();
    }

    @Test
    void config_bindsEveryField() throws Exception {
        final GatewayConfig c = load("""
                apiVersion: sluice.dev/v1alpha1
                kind: ApiProduct
                metadata: {name: premium-llama}
                spec:
                  displayName: Premium Llama
                  description: Llama models for paying apps
                  models: [meta-llama/*, food-review]
                  operations:
                  - {path: /v1/chat/completions, methods: [POST]}
                  - {path: /v1/models/**}
                  quotas:
                  - {limit: 5, interval: 1, timeUnit: minute}
                  - {limit: 100000, timeUnit: day, counts: totalTokens, type: rollingwindow}
                  - {limit: 2000, interval: 2, timeUnit: hour, counts: outputTokens}
                  spikeArrest: 10ps
                  objective: premium
                  defaultMaxTokens: 512
                  quotaIdentifier: developer
                  priority: 5
                """);
        assertThat(c.apiProducts()).hasSize(1);
        final ApiProduct p = ApiProduct.of(c.apiProducts().get(0));
        assertThat(p.name()).isEqualTo("premium-llama");
        assertThat(p.displayName()).isEqualTo("Premium Llama");
        assertThat(p.models()).containsExactly("meta-llama/*", "food-review");
        assertThat(p.operations()).containsExactly(new Operation("/v1/chat/completions", Set.of("POST")),
                                                   new Operation("/v1/models/**", Set.of()));
        assertThat(p.quotas()).containsExactly(
                new Quota(Quota.Metric.REQUESTS, 5, 1, Quota.TimeUnit.MINUTE, Quota.Type.CALENDAR),
                new Quota(Quota.Metric.TOTAL_TOKENS, 100000, 1, Quota.TimeUnit.DAY, Quota.Type.ROLLING_WINDOW),
                new Quota(Quota.Metric.OUTPUT_TOKENS, 2000, 2, Quota.TimeUnit.HOUR, Quota.Type.CALENDAR));
        assertThat(p.spikeArrest()).isEqualTo(SpikeArrestRate.parse("10ps"));
        assertThat(p.objective()).isEqualTo("premium");
        assertThat(p.defaultMaxTokens()).isEqualTo(512);
        assertThat(p.quotaIdentifier()).isEqualTo(QuotaIdentifier.DEVELOPER);
        assertThat(p.priority()).isEqualTo(5);
        assertThat(p.hasTokenQuotas()).isTrue();
    }

    @Test
    void config_defaults() throws Exception {
        final GatewayConfig c = load("""
                apiVersion: sluice.dev/v1alpha1
                kind: ApiProduct
                metadata: {name: open}
                spec: {}
                """);
        final ApiProduct p = ApiProduct.of(c.apiProducts().get(0));
        assertThat(p.models()).isEmpty();
        assertThat(p.operations()).isEmpty();
        assertThat(p.quotas()).isEmpty();
        assertThat(p.spikeArrest()).isNull();
        assertThat(p.priority()).isNull();
        assertThat(p.quotaIdentifier()).isEqualTo(QuotaIdentifier.APP);
        assertThat(p.hasTokenQuotas()).isFalse();
    }

    @Test
    void config_rejectsBadValuesWithTheirLines() throws Exception {
        assertThat(problems("""
                apiVersion: sluice.dev/v1alpha1
                kind: ApiProduct
                metadata: {name: bad}
                spec:
                  operations:
                  - {path: v1/completions, methods: [FETCH]}
                  quotas:
                  - {interval: 0, timeUnit: fortnight, counts: words}
                  spikeArrest: 10/s
                  objective: missing
                  priority: high
                  colour: blue
                """)).containsExactly(
                "ApiProduct/bad: spec.operations[0].path: v1/completions (expected: a path starting with /, " +
                "where * is one segment and a last /** any rest)",
                "ApiProduct/bad: spec.operations[0].methods[0]: FETCH (expected: one of GET, POST, PUT, DELETE, " +
                "PATCH, HEAD, OPTIONS, CONNECT, TRACE)",
                "ApiProduct/bad: spec.quotas[0].limit: missing (expected: an integer >= 1)",
                "ApiProduct/bad: spec.quotas[0].interval: 0 (expected: 1..1000000)",
                "ApiProduct/bad: spec.quotas[0].timeUnit: fortnight (expected: one of minute, hour, day, week, month)",
                "ApiProduct/bad: spec.quotas[0].counts: words (expected: one of requests, inputTokens, " +
                "outputTokens, totalTokens)",
                "ApiProduct/bad: spec.spikeArrest: 10/s (expected: a rate such as 10ps (per second) or 30pm " +
                "(per minute))",
                "ApiProduct/bad: spec.objective: missing (expected: the name of an InferenceObjective in namespace " +
                "default; known: premium)",
                "ApiProduct/bad: spec.priority: high (expected: an integer -2147483648..2147483647)",
                "ApiProduct/bad: spec.colour: unknown field (expected: one of displayName, description, models, " +
                "operations, quotas, spikeArrest, objective, defaultMaxTokens, quotaIdentifier, priority)");
    }
}

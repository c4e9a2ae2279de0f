package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;

class RouterTest {

    @TempDir
    Path dir;

    static final String POOLS = """
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: a}
            spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: b}
            spec: {selector: {matchLabels: {app: b}}, targetPorts: [{number: 8000}]}
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: c}
            spec: {selector: {matchLabels: {app: c}}, targetPorts: [{number: 8000}]}
            ---
            """;

    GatewayConfig load(String yaml) throws Exception {
        final Path f = dir.resolve("c.yaml");
        Files.writeString(f, POOLS + yaml);
        return ConfigLoader.load(f, Set.of("body-based-routing"));
    }

    static String pool(String name) {
        return "{group: inference.networking.k8s.io, kind: InferencePool, name: " + name + "}";
    }

    static RequestHeaders req(HttpMethod method, String path, String... headers) {
        final var b = RequestHeaders.builder(method, path).authority("gw.example.com");
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return b.build();
    }

    static String route(Router r, RequestHeaders h) {
        final Router.Decision d = r.route(h, new SplittableRandom(1));
        return d == null ? null : d.backend().name();
    }

    @Test
    void precedence_exactPath_thenLongestPrefix_thenMethod_thenHeaderCount() throws Exception {
        final Router r = Router.of(load("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r1}
                spec:
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /}}]
                    backendRefs: [%s]
                  - matches: [{path: {type: PathPrefix, value: /v1}, headers: [{name: x-m, value: one}]}]
                    backendRefs: [%s]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r2}
                spec:
                  rules:
                  - matches: [{path: {type: Exact, value: /v1/completions}}]
                    backendRefs: [%s]
                  - matches: [{path: {type: PathPrefix, value: /v1}, method: GET}]
                    backendRefs: [%s]
                """.formatted(pool("a"), pool("b"), pool("c"), pool("a"))));
        assertThat(route(r, req(HttpMethod.POST, "/v1/completions", "x-m", "one"))).isEqualTo("c");
        assertThat(route(r, req(HttpMethod.POST, "/v1/chat/completions", "x-m", "one"))).isEqualTo("b");
        assertThat(route(r, req(HttpMethod.POST, "/v1/chat/completions"))).isEqualTo("a");
        // Method beats header count at equal prefix length.
        assertThat(route(r, req(HttpMethod.GET, "/v1/models", "x-m", "one"))).isEqualTo("a");
        assertThat(route(r, req(HttpMethod.POST, "/other"))).isEqualTo("a");
    }

    @Test
    void pathPrefix_matchesWholeSegments() throws Exception {
        final Router r = Router.of(load("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  rules:
                  - matches: [{path: {type: PathPrefix, value: /v1/}}]
                    backendRefs: [%s]
                """.formatted(pool("a"))));
        assertThat(route(r, req(HttpMethod.GET, "/v1"))).isEqualTo("a");
        assertThat(route(r, req(HttpMethod.GET, "/v1/models?x=1"))).isEqualTo("a");
        assertThat(route(r, req(HttpMethod.GET, "/v1beta/models"))).isNull();
    }

    @Test
    void headers_exactAndRegex_andHostnames() throws Exception {
        final Router r = Router.of(load("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  hostnames: ["*.example.com"]
                  rules:
                  - matches: [{headers: [{type: RegularExpression, name: X-Gateway-Model-Name, value: "llama-.*"}]}]
                    backendRefs: [%s]
                  - matches: [{headers: [{name: X-Gateway-Model-Name, value: gemma}]}]
                    backendRefs: [%s]
                """.formatted(pool("a"), pool("b"))));
        assertThat(route(r, req(HttpMethod.POST, "/v1/completions", "x-gateway-model-name", "llama-3"))).isEqualTo("a");
        assertThat(route(r, req(HttpMethod.POST, "/v1/completions", "x-gateway-model-name", "gemma"))).isEqualTo("b");
        assertThat(route(r, req(HttpMethod.POST, "/v1/completions", "x-gateway-model-name", "gemma2"))).isNull();
        final RequestHeaders otherHost = RequestHeaders.builder(HttpMethod.POST, "/v1/completions")
                                                       .authority("other.org").add("x-gateway-model-name", "gemma")
                                                       .build();
        assertThat(route(r, otherHost)).isNull();
    }

    @Test
    void weightedBackendRefs_splitWithinTolerance() throws Exception {
        final Router r = Router.of(load("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  rules:
                  - backendRefs:
                    - {group: inference.networking.k8s.io, kind: InferencePool, name: a, weight: 70}
                    - {group: inference.networking.k8s.io, kind: InferencePool, name: b, weight: 20}
                    - {group: inference.networking.k8s.io, kind: InferencePool, name: c, weight: 10}
                """));
        final SplittableRandom random = new SplittableRandom(7);
        final int n = 100_000;
        int a = 0;
        int b = 0;
        for (int i = 0; i < n; i++) {
            final String p = r.route(req(HttpMethod.POST, "/"), random).backend().name();
            if ("a".equals(p)) {
                a++;
            } else if ("b".equals(p)) {
                b++;
            }
        }
        // Binomial standard deviation at n=100k is at most 0.16%; allow 5 of them.
        assertThat(a / (double) n).isCloseTo(0.70, org.assertj.core.data.Offset.offset(0.008));
        assertThat(b / (double) n).isCloseTo(0.20, org.assertj.core.data.Offset.offset(0.008));
    }

    @Test
    void allWeightsZero_matchesWithNoBackend() throws Exception {
        final Router r = Router.of(load("""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: r}
                spec:
                  rules:
                  - backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: a, weight: 0}]
                """));
        final Router.Decision d = r.route(req(HttpMethod.POST, "/"), new SplittableRandom(1));
        assertThat(d).isNotNull();
        assertThat(d.backend()).isNull();
    }

    @Test
    void rewrites_exactBeatsCatchAll_andSplitByWeight() throws Exception {
        final GatewayConfig c = load("""
                apiVersion: inference.networking.x-k8s.io/v1alpha2
                kind: InferenceModelRewrite
                metadata: {name: catch-all}
                spec:
                  poolRef: {name: a}
                  rules:
                  - targets: [{modelRewrite: base, weight: 1}]
                ---
                apiVersion: inference.networking.x-k8s.io/v1alpha2
                kind: InferenceModelRewrite
                metadata: {name: canary}
                spec:
                  poolRef: {name: a}
                  rules:
                  - matches: [{model: {type: Exact, value: food-review}}]
                    targets: [{modelRewrite: food-review-v1, weight: 90}, {modelRewrite: food-review-v2, weight: 10}]
                """);
        final ModelRewrites rw = ModelRewrites.of(c);
        assertThat(rw.rewrite("a", "other", new SplittableRandom(1)).targetModel()).isEqualTo("base");
        assertThat(rw.rewrite("b", "food-review", new SplittableRandom(1))).isNull();
        final SplittableRandom random = new SplittableRandom(3);
        int v2 = 0;
        final int n = 50_000;
        for (int i = 0; i < n; i++) {
            final ModelRewrites.Rewrite w = rw.rewrite("a", "food-review", random);
            assertThat(w.rewriteName()).isEqualTo("canary");
            if ("food-review-v2".equals(w.targetModel())) {
                v2++;
            }
        }
        assertThat(v2 / (double) n).isCloseTo(0.10, org.assertj.core.data.Offset.offset(0.007));
    }

    @Test
    void catalog_knowsAdaptersFromBbrConfigMaps() throws Exception {
        final GatewayConfig c = load("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: m, labels: {inference.networking.k8s.io/bbr-managed: "true"}}
                data:
                  baseModel: meta-llama/Llama-3.1-8B-Instruct
                  adapters: |
                    - food-review
                    - ski-resorts
                """);
        final ModelCatalog catalog = ModelCatalog.of(c);
        assertThat(catalog.baseModelOf("food-review")).isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(catalog.baseModelOf("meta-llama/Llama-3.1-8B-Instruct"))
                .isEqualTo("meta-llama/Llama-3.1-8B-Instruct");
        assertThat(catalog.baseModelOf("unknown")).isNull();
        assertThat(new BodyBasedRouting(catalog).headersFor(
                dev.sluice.openai.OpenAiRequestParser.parse("{\"model\":\"ski-resorts\"}".getBytes())))
                .containsEntry("x-gateway-model-name", "ski-resorts")
                .containsEntry("x-gateway-base-model-name", "meta-llama/Llama-3.1-8B-Instruct");
    }
}

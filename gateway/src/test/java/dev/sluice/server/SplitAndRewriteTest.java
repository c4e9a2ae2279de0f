package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.openai.core.http.StreamResponse;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.proxy.ExchangeRecord;

/** Weighted backendRefs and InferenceModelRewrite splits through the running gateway. */
class SplitAndRewriteTest {

    static final String YAML = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw}
            spec:
              listeners: [{name: http, port: ${PORT}, protocol: HTTP}]
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: blue}
            spec: {selector: {matchLabels: {app: blue}}, targetPorts: [{number: 8000}]}
            ---
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: {name: green}
            spec: {selector: {matchLabels: {app: green}}, targetPorts: [{number: 8000}]}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: blue-0, labels: {app: blue}}
            spec:
              simulated: {model: chat-model, loraAdapters: [food-review-v1, food-review-v2], timeToFirstToken: 0ms, interTokenLatency: 0ms, outputTokens: 2}
            ---
            apiVersion: sluice.dev/v1alpha1
            kind: ModelServer
            metadata: {name: green-0, labels: {app: green}}
            spec:
              simulated: {model: chat-model, timeToFirstToken: 0ms, interTokenLatency: 0ms, outputTokens: 2}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: rollout}
            spec:
              parentRefs: [{name: gw}]
              rules:
              - matches: [{headers: [{name: X-Gateway-Model-Name, value: chat-model}]}]
                backendRefs:
                - {group: inference.networking.k8s.io, kind: InferencePool, name: blue, weight: 75}
                - {group: inference.networking.k8s.io, kind: InferencePool, name: green, weight: 25}
              - matches: [{headers: [{name: X-Gateway-Model-Name, value: food-review}]}]
                backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: blue}]
            ---
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceModelRewrite
            metadata: {name: food-review-canary}
            spec:
              poolRef: {name: blue}
              rules:
              - matches: [{model: {type: Exact, value: food-review}}]
                targets: [{modelRewrite: food-review-v1, weight: 80}, {modelRewrite: food-review-v2, weight: 20}]
            """;

    @TempDir
    static Path dir;
    static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start(dir, YAML, new ExtensionRegistry());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static List<AggregatedHttpResponse> send(int n, String body) {
        final List<CompletableFuture<AggregatedHttpResponse>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(gateway.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions",
                                                                 "content-type", MediaType.JSON), body)
                               .aggregate());
            if (futures.size() % 50 == 0) {
                futures.get(futures.size() - 1).join();
            }
        }
        return futures.stream().map(CompletableFuture::join).toList();
    }

    @Test
    void weightedBackendRefs_splitTrafficBetweenPools() {
        final long blueBefore = gateway.sim("blue-0").stats().requestsCompleted();
        final long greenBefore = gateway.sim("green-0").stats().requestsCompleted();
        final int n = 600;
        assertThat(send(n, "{\"model\":\"chat-model\",\"prompt\":\"x\"}"))
                .allSatisfy(r -> assertThat(r.status()).isEqualTo(HttpStatus.OK));
        final long blue = gateway.sim("blue-0").stats().requestsCompleted() - blueBefore;
        final long green = gateway.sim("green-0").stats().requestsCompleted() - greenBefore;
        assertThat(blue + green).isEqualTo(n);
        // sd = sqrt(600 * 0.75 * 0.25) = 10.6 requests = 1.8%; allow about 5 sd.
        assertThat(blue / (double) n).isCloseTo(0.75, offset(0.09));
    }

    @Test
    void modelRewrite_splitsByWeight_andTheClientSeesItsOwnModel() {
        gateway.records().clear();
        final int n = 500;
        final List<AggregatedHttpResponse> responses = send(n, "{\"model\":\"food-review\",\"prompt\":\"x\"}");
        assertThat(responses).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(HttpStatus.OK);
            assertThat(r.contentUtf8()).contains("\"model\":\"food-review\"").doesNotContain("food-review-v");
        });
        final long v2 = gateway.records().stream().map(ExchangeRecord::targetModel)
                               .filter("food-review-v2"::equals).count();
        final long v1 = gateway.records().stream().map(ExchangeRecord::targetModel)
                               .filter("food-review-v1"::equals).count();
        assertThat(v1 + v2).isEqualTo(n);
        // sd = sqrt(500 * 0.2 * 0.8) = 8.9 requests = 1.8%; allow about 5 sd.
        assertThat(v2 / (double) n).isCloseTo(0.20, offset(0.09));
    }

    @Test
    void modelRewrite_mapsTheNameBackInEveryStreamChunk() {
        final List<String> models = new ArrayList<>();
        try (StreamResponse<Completion> s = gateway.openAi().completions().createStreaming(
                CompletionCreateParams.builder().model("food-review").prompt("x").maxTokens(2).build())) {
            s.stream().forEach(c -> models.add(c.model()));
        }
        assertThat(models).isNotEmpty().allSatisfy(m -> assertThat(m).isEqualTo("food-review"));
    }
}

package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

/** Hot reload: a good edit swaps atomically, a bad one keeps the old config serving. */
class ReloadTest {

    @TempDir
    Path dir;
    TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        gateway = TestGateway.start(dir);
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private AggregatedHttpResponse complete(String model) {
        return gateway.http().execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type",
                                                        MediaType.JSON),
                                      "{\"model\":\"" + model + "\",\"prompt\":\"x\",\"max_tokens\":2}")
                      .aggregate().join();
    }

    @Test
    void validEdit_takesEffect() throws Exception {
        assertThat(complete("google/gemma-3-1b-it").status()).isEqualTo(HttpStatus.OK);
        // Drop the gemma rule.
        gateway.rewriteConfig(TestGateway.TWO_POOLS.replace("""
                  - matches: [{headers: [{name: X-Gateway-Base-Model-Name, value: google/gemma-3-1b-it}]}]
                    backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: gemma}]
                """, ""));
        await().atMost(10, TimeUnit.SECONDS).until(() -> complete("google/gemma-3-1b-it").status() ==
                                                         HttpStatus.NOT_FOUND);
        assertThat(complete("food-review").status()).isEqualTo(HttpStatus.OK);
        assertThat(gateway.server().reloadCounts()[0]).isGreaterThanOrEqualTo(1);
    }

    @Test
    void invalidEdit_keepsTheOldConfigServing() throws Exception {
        gateway.rewriteConfig(TestGateway.TWO_POOLS.replace("name: gemma}]", "name: no-such-pool}]"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.server().reloadCounts()[1] >= 1);
        assertThat(complete("google/gemma-3-1b-it").status()).isEqualTo(HttpStatus.OK);
        assertThat(complete("food-review").status()).isEqualTo(HttpStatus.OK);
        gateway.rewriteConfig("this: is: not yaml: [");
        await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.server().reloadCounts()[1] >= 2);
        assertThat(complete("google/gemma-3-1b-it").status()).isEqualTo(HttpStatus.OK);
    }

    @Test
    void requestInFlight_finishesOnTheConfigItStartedWith() throws Exception {
        // A long stream to gemma, then a reload that removes gemma's route.
        final HttpResponse res = gateway.http().execute(
                RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON),
                "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"stream\":true,\"max_tokens\":8}");
        final var split = res.split();
        assertThat(split.headers().join().status()).isEqualTo(HttpStatus.OK);
        gateway.rewriteConfig(TestGateway.TWO_POOLS.replace("google/gemma-3-1b-it}]}]", "nothing}]}]"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.server().reloadCounts()[0] >= 1);
        final String body = new String(concat(split.body().collect().join()));
        assertThat(body).contains("[DONE]");
        assertThat(complete("google/gemma-3-1b-it").status()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    private static byte[] concat(java.util.List<com.linecorp.armeria.common.HttpData> chunks) {
        final var out = new java.io.ByteArrayOutputStream();
        chunks.forEach(c -> out.writeBytes(c.array()));
        return out.toByteArray();
    }
}

package dev.sluice.safety.screen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

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
import com.linecorp.armeria.server.Server;

import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.server.TestGateway;

/**
 * A template whose guard never answers in time, behind a real gateway: the guard's own {@code failOpen} and the
 * extension's {@code failOpen} decide, as documented.
 */
class GuardFailureEndToEndTest {

    @TempDir
    Path dir;
    Server slowGuard;
    Safety safety;
    TestGateway gateway;

    @BeforeEach
    void startGuard() {
        slowGuard = Server.builder().http(0)
                          .service("/v1/chat/completions", (ctx, req) -> HttpResponse.delayed(
                                  HttpResponse.of(HttpStatus.OK), Duration.ofSeconds(10)))
                          .build();
        slowGuard.start().join();
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (safety != null) {
            safety.close();
        }
        slowGuard.stop().join();
    }

    AggregatedHttpResponse chat(boolean guardFailsOpen, boolean extensionFailsOpen) throws Exception {
        final String yaml = TestGateway.TWO_POOLS + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: SafetyTemplate
                metadata: {name: guarded}
                spec:
                  filterConfig:
                    piAndJailbreakFilterSettings: {filterEnforcement: ENABLED}
                  guard: {type: ChatModel, url: "http://127.0.0.1:%d", model: guard, timeout: 100ms, failOpen: %s}
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata: {name: screen}
                spec:
                  targetRefs: [{name: gw}]
                  extensionChains:
                  - name: all
                    extensions:
                    - name: safety
                      service: safety
                      supportedEvents: [RequestBody]
                      timeout: 2s
                      failOpen: %s
                      metadata:
                        model_armor_settings: '[{"model": "default", "user_prompt_template_id": "guarded"}]'
                """.formatted(slowGuard.activeLocalPort(), guardFailsOpen, extensionFailsOpen);
        safety = Safety.create(() -> (text, direction, filters) -> dev.sluice.safety.Detection.NONE);
        final var running = new java.util.concurrent.atomic.AtomicReference<TestGateway>();
        safety.templatesFromConfig(() -> running.get() != null ? running.get().server().snapshot().config() : null);
        gateway = TestGateway.start(dir, yaml, new ExtensionRegistry().register(Safety.SERVICE, safety.factory()));
        running.set(gateway);
        return gateway.http().execute(
                RequestHeaders.builder(HttpMethod.POST, "/v1/chat/completions").contentType(MediaType.JSON).build(),
                "{\"model\":\"google/gemma-3-1b-it\",\"max_tokens\":2,\"messages\":[{\"role\":\"user\"," +
                "\"content\":\"hello there my friend\"}]}").aggregate().join();
    }

    @Test
    void aGuardThatFailsOpenLetsTheRequestThrough() throws Exception {
        assertThat(chat(true, false).status().code()).isEqualTo(200);
    }

    @Test
    void aFailClosedGuardFailsTheExtensionAndTheChainDecides() throws Exception {
        final AggregatedHttpResponse closed = chat(false, false);
        assertThat(closed.status().code()).isEqualTo(500);
        assertThat(closed.contentUtf8()).contains("extension_failed");
    }

    @Test
    void aFailClosedGuardUnderAFailOpenExtensionPasses() throws Exception {
        assertThat(chat(false, true).status().code()).isEqualTo(200);
    }
}

package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.GatewaySpec;
import dev.sluice.config.Resources.Listener;
import dev.sluice.config.Resources.Resource;
import dev.sluice.extension.ExtensionRegistry;

/** The bundled quickstart answers the seed's request as written (on a free port instead of 8080). */
class QuickstartTest {

    static final Path QUICKSTART = Path.of("..", "examples", "quickstart");

    @Test
    void everyExampleFolderValidates() throws Exception {
        try (var folders = Files.list(Path.of("..", "examples"))) {
            for (Path folder : folders.filter(Files::isDirectory).toList()) {
                // Built-ins a folder may use; loading checks names only, so nothing is created.
                final ExtensionRegistry builtins = new ExtensionRegistry().register(
                        dev.sluice.apim.ApiManagement.SERVICE, spec -> (call, message) -> null)
                        .register(dev.sluice.safety.screen.Safety.SERVICE, spec -> (call, message) -> null);
                assertThat(ConfigLoader.load(folder, GatewayServer.knownServices(builtins)))
                        .as(folder.toString()).isNotNull();
            }
        }
    }

    @Test
    void seedRequest_getsACompletion() throws Exception {
        final GatewayConfig loaded = ConfigLoader.load(QUICKSTART, Set.of("body-based-routing"));
        final int port = TestGateway.freePort();
        final Resource<GatewaySpec> gw = loaded.gateways().get(0);
        final Listener l = gw.spec().listeners().get(0);
        final GatewayConfig config = new GatewayConfig(
                loaded.source(),
                List.of(new Resource<>(gw.apiVersion(), gw.kind(), gw.metadata(),
                                       new GatewaySpec(gw.spec().gatewayClassName(), gw.spec().addresses(),
                                                       List.of(new Listener(l.name(), port, l.protocol(),
                                                                            l.hostname(), l.tls()))),
                                       gw.location())),
                loaded.httpRoutes(), loaded.inferencePools(), loaded.modelServers(), loaded.inferenceObjectives(),
                loaded.inferenceModelRewrites(), loaded.trafficExtensions(), loaded.backendPolicies(),
                loaded.configMaps(), loaded.apiProducts(), loaded.safetyTemplates());
        try (GatewayServer server = GatewayServer.start(config, new GatewayServer.Options().admin("127.0.0.1", 0))) {
            final AggregatedHttpResponse r = WebClient.of("http://127.0.0.1:" + port).execute(
                    RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON),
                    "{\"model\": \"food-review\", \"prompt\": \"Write as if you were a critic: San Francisco\", " +
                    "\"max_tokens\": 100, \"temperature\": 0}").aggregate().join();
            assertThat(r.status()).isEqualTo(HttpStatus.OK);
            assertThat(r.contentUtf8()).contains("\"object\":\"text_completion\"")
                                       .contains("\"model\":\"food-review\"")
                                       .contains("\"completion_tokens\":100");
        }
    }
}

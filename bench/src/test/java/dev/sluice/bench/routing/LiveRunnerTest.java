package dev.sluice.bench.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorProfile;
import dev.sluice.simulator.SimulatorServer;

class LiveRunnerTest {

    @Test
    void generatedGatewayConfigLoadsWithThePoolAnnotationAndEveryServer(@TempDir Path dir) throws Exception {
        try (SimulatorServer a = SimulatorServer.start(SimulatorConfig.builder("m").build(), "127.0.0.1", 0);
             SimulatorServer b = SimulatorServer.start(SimulatorConfig.builder("m").build(), "127.0.0.1", 0)) {
            final Path file = dir.resolve("gateway.yaml");
            Files.writeString(file, LiveRunner.gatewayYaml(18080, "gie-default", List.of(a, b)));
            final GatewayConfig config = ConfigLoader.load(file, Set.of());
            assertThat(config.inferencePools()).singleElement().satisfies(
                    p -> assertThat(p.metadata().annotations())
                            .containsEntry(LiveRunner.PROFILE_ANNOTATION, "gie-default"));
            assertThat(config.modelServers()).hasSize(2);
            assertThat(config.modelServers().get(1).spec().port()).isEqualTo(b.port());

            Files.writeString(file, LiveRunner.gatewayYaml(18080, null, List.of(a)));
            assertThat(ConfigLoader.load(file, Set.of()).inferencePools().get(0).metadata().annotations()).isEmpty();
        }
    }

    @Test
    void countsOccurrences() {
        final byte[] text = "\"text\"".getBytes(StandardCharsets.US_ASCII);
        assertThat(LiveRunner.count("data: {\"text\":\"a\"}\n\ndata: {\"text\":\"b\"}\n\n"
                                            .getBytes(StandardCharsets.US_ASCII), text)).isEqualTo(2);
        assertThat(LiveRunner.count(new byte[0], text)).isZero();
    }

    @Test
    void theOracleCannotRunLive() {
        final LiveRunner runner = new LiveRunner(new LiveRunner.Settings(
                1, SimulatorProfile.LLAMA_8B_H100, 10, 10, 1, 0.2, Duration.ofSeconds(5)));
        final LowSharingWorkload w = new LowSharingWorkload(16, 2);
        assertThatThrownBy(() -> runner.run(w, w.plan(4, 1, 1), Policy.ORACLE, 1))
                .isInstanceOf(LiveRunner.NotWiredException.class);
    }

    /** Two simulators behind the real gateway for about two seconds, with whatever picker it uses by itself. */
    @Test
    void measuresStreamsThroughTheGateway() throws Exception {
        final LiveRunner runner = new LiveRunner(new LiveRunner.Settings(
                2, SimulatorProfile.LLAMA_8B_H100, 10, 200, 1, 0.2, Duration.ofSeconds(20)));
        final SharedPrefixWorkload w = new SharedPrefixWorkload(3, 2, 128, 16, 8);
        final RunResult r = runner.run(w, w.plan(60, 3, 1), null, 3);
        assertThat(r.policy()).startsWith("as-configured: ");
        assertThat(r.requests()).isEqualTo(48);
        assertThat(r.ttftP50()).isPositive();
        assertThat(r.ttftP90()).isGreaterThanOrEqualTo(r.ttftP50());
        assertThat(r.tpotP90()).isPositive();
        assertThat(r.outputTokensPerSecond()).isPositive();
        // Six prompts of 144 tokens over two servers: most of each prompt is cached after the first rounds.
        assertThat(r.prefixHitRate()).isBetween(0.3, 1.0);
    }
}

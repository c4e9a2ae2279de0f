package dev.sluice.observe;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import dev.sluice.config.ConfigLoader;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.picker.LeastInFlightPicker;
import dev.sluice.proxy.GatewaySnapshot;
import dev.sluice.server.GatewayServer;

/** Builds {@link GatewaySnapshot}s from YAML without starting anything (simulated servers get fixed addresses). */
final class Snapshots {

    private Snapshots() {}

    static GatewaySnapshot of(Path dir, String yaml) throws Exception {
        final Path file = Files.createTempFile(dir, "config", ".yaml");
        Files.writeString(file, yaml.replace("${PORT}", "18080"));
        final ExtensionRegistry registry = new ExtensionRegistry();
        final int[] port = { 9000 };
        return GatewaySnapshot.build(ConfigLoader.load(file, GatewayServer.knownServices(registry)), registry,
                                     new EndpointDirectory(),
                                     ms -> new InetSocketAddress("127.0.0.1", port[0]++),
                                     pool -> new LeastInFlightPicker(new SplittableRandom(1)));
    }
}

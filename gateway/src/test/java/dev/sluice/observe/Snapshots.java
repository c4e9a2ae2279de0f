package dev.sluice.observe;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.extension.ExtensionRegistry;
import dev.sluice.picker.EndpointDirectory;
import dev.sluice.picker.EndpointPicker;
import dev.sluice.picker.flow.FlowController;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.picker.scheduler.PrefixIndex;
import dev.sluice.picker.scheduler.Scheduler;
import dev.sluice.picker.scheduler.SchedulerProfiles;
import dev.sluice.proxy.GatewaySnapshot;
import dev.sluice.server.GatewayServer;

/** Builds {@link GatewaySnapshot}s from YAML without starting anything (simulated servers get fixed addresses). */
final class Snapshots {

    private static final ScheduledExecutorService TICKS = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "snapshots-test-ticks");
        t.setDaemon(true);
        return t;
    });

    private Snapshots() {}

    static GatewaySnapshot of(Path dir, String yaml) throws Exception {
        final Path file = Files.createTempFile(dir, "config", ".yaml");
        Files.writeString(file, yaml.replace("${PORT}", "18080"));
        final ExtensionRegistry registry = new ExtensionRegistry();
        final int[] port = { 9000 };
        final EndpointMetricsStore store = new EndpointMetricsStore();
        return GatewaySnapshot.build(ConfigLoader.load(file, GatewayServer.knownServices(registry)), registry,
                                     new EndpointDirectory(),
                                     ms -> new InetSocketAddress("127.0.0.1", port[0]++),
                                     new GatewaySnapshot.PoolServices() {
                                         @Override
                                         public EndpointPicker picker(Resource<InferencePoolSpec> pool) {
                                             return new Scheduler(SchedulerProfiles.byName("random"), store::load,
                                                                  new PrefixIndex(), new SplittableRandom(1));
                                         }

                                         @Override
                                         public FlowController flow(Resource<InferencePoolSpec> pool) {
                                             return FlowController.builder(p -> 0).scheduler(TICKS).build();
                                         }
                                     });
    }
}

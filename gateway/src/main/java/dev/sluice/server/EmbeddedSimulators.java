package dev.sluice.server;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.config.Resources.ModelServerSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.SimulatedServerSpec;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorProfile;
import dev.sluice.simulator.SimulatorServer;

/**
 * The simulated model servers that {@code ModelServer}s with a {@code simulated} spec ask for, each on its own
 * ephemeral loopback port.
 *
 * <p>On reload a server whose spec did not change keeps running (and keeps its port, so in-flight requests and
 * endpoint state carry over); a removed or changed one is stopped after a grace period so requests still running
 * on the old configuration can finish.
 */
final class EmbeddedSimulators implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(EmbeddedSimulators.class);
    private static final long GRACE_SECONDS = 30;

    private record Running(SimulatedServerSpec spec, SimulatorServer server) {}

    private final Map<String, Running> running = new HashMap<>();
    private final ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "sluice-simulator-reaper");
        t.setDaemon(true);
        return t;
    });

    /** Starts, keeps or retires simulators so that exactly those of {@code servers} run. */
    synchronized void sync(List<Resource<ModelServerSpec>> servers) {
        final Map<String, Running> next = new HashMap<>();
        for (Resource<ModelServerSpec> ms : servers) {
            final SimulatedServerSpec spec = ms.spec().simulated();
            if (spec == null) {
                continue;
            }
            final String key = ms.metadata().namespace() + '/' + ms.metadata().name();
            final Running old = running.remove(key);
            if (old != null && old.spec().equals(spec)) {
                next.put(key, old);
            } else {
                if (old != null) {
                    retire(old);
                }
                final SimulatorServer server = SimulatorServer.start(simulatorConfig(spec), "127.0.0.1", 0);
                logger.info("Simulated model server {} serving {} on 127.0.0.1:{}", key, spec.model(),
                            server.port());
                next.put(key, new Running(spec, server));
            }
        }
        running.values().forEach(this::retire);
        running.clear();
        running.putAll(next);
    }

    private void retire(Running r) {
        reaper.schedule(r.server()::close, GRACE_SECONDS, TimeUnit.SECONDS);
    }

    /** Returns the address of a model server: its simulator's, or its configured address. */
    synchronized @Nullable InetSocketAddress addressOf(Resource<ModelServerSpec> ms) {
        final ModelServerSpec spec = ms.spec();
        if (spec.simulated() == null) {
            final int port = spec.port() != null ? spec.port() : 0;
            return InetSocketAddress.createUnresolved(spec.address(), port);
        }
        final Running r = running.get(ms.metadata().namespace() + '/' + ms.metadata().name());
        return r == null ? null : InetSocketAddress.createUnresolved("127.0.0.1", r.server().port());
    }

    static SimulatorConfig simulatorConfig(SimulatedServerSpec spec) {
        final SimulatorConfig.Builder b = SimulatorConfig.builder(spec.model()).loraAdapters(spec.loraAdapters());
        if (spec.timeToFirstToken() != null) {
            b.timeToFirstToken(spec.timeToFirstToken());
        }
        if (spec.interTokenLatency() != null) {
            b.interTokenLatency(spec.interTokenLatency());
        }
        if (spec.outputTokens() != null) {
            b.outputTokens(spec.outputTokens());
        }
        if (spec.seed() != null) {
            b.seed(spec.seed());
        }
        if (spec.profile() != null) {
            b.profile(SimulatorProfile.named(spec.profile()));
        }
        if (spec.timeCompression() != null) {
            b.timeCompression(spec.timeCompression());
        }
        if (spec.kvCacheBlocks() != null) {
            b.kvCacheBlocks(spec.kvCacheBlocks());
        }
        if (spec.maxLoras() != null) {
            b.maxLoras(spec.maxLoras());
        }
        return b.build();
    }

    /** Returns the running simulator of a {@code ModelServer}, for tests that flip its fault switches. */
    synchronized @Nullable SimulatorServer simulator(String namespace, String name) {
        final Running r = running.get(namespace + '/' + name);
        return r == null ? null : r.server();
    }

    @Override
    public synchronized void close() {
        reaper.shutdownNow();
        // Stopping one takes its event loop's quiet period; stop them side by side.
        try (var stopping = Executors.newVirtualThreadPerTaskExecutor()) {
            running.values().forEach(r -> stopping.execute(r.server()::close));
        }
        running.clear();
    }
}

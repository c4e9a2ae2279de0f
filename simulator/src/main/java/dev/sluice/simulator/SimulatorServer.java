package dev.sluice.simulator;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;

import dev.sluice.simulator.internal.QuickStopEventLoopGroup;
import dev.sluice.simulator.internal.Simulator;
import dev.sluice.simulator.internal.StepTimeModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.ChannelOption;

/**
 * Serves a simulated vLLM model server over HTTP: the OpenAI completions, chat, embeddings and models APIs,
 * {@code /metrics} with vLLM's metric names, and {@code /health}.
 *
 * <p>Requests are served on Armeria's shared event loops, so many simulators fit in one process.
 */
public final class SimulatorServer implements AutoCloseable {

    /** Large enough for long-context benchmark prompts. */
    private static final int MAX_REQUEST_LENGTH = 64 * 1024 * 1024;

    /**
     * Starts a server on the given host and port ({@code 0} for an ephemeral one), returning once it listens. Its
     * engine steps take the time of the config's {@link SimulatorConfig#profile() profile}, or, without one, the
     * fixed latencies of {@link FixedTimingModel}.
     */
    public static SimulatorServer start(SimulatorConfig config, String host, int port) {
        return startWith(config, null, host, port);
    }

    /**
     * Starts a server whose engine steps take the times of the given timing model (see
     * {@link TimingModel}), ignoring the config's profile, on the given host and port ({@code 0} for an
     * ephemeral one), returning once it listens.
     */
    public static SimulatorServer start(SimulatorConfig config, TimingModel timingModel, String host, int port) {
        requireNonNull(timingModel, "timingModel");
        return startWith(config, timingModel, host, port);
    }

    private static SimulatorServer startWith(SimulatorConfig config, @Nullable TimingModel timingModel,
                                             String host, int port) {
        requireNonNull(config, "config");
        requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        final SimulatorServer server = new SimulatorServer(config, timingModel, host);
        server.listen(port);
        return server;
    }

    private final SimulatorConfig config;
    private final String host;
    private final Faults faults;
    private final Simulator simulator;
    private final SimulatorStats stats;
    private final Object lock = new Object();
    private @Nullable Server server; // guarded by lock; null while refusing connections or closed
    private int port; // guarded by lock
    private boolean closed; // guarded by lock

    private SimulatorServer(SimulatorConfig config, @Nullable TimingModel timingModel, String host) {
        this.config = config;
        this.host = host;
        faults = new Faults(this::refuseConnections);
        simulator = new Simulator(config, StepTimeModel.of(config, timingModel), faults, Clock.systemUTC(),
                                  System::nanoTime);
        stats = new SimulatorStats(simulator.counters());
    }

    private void listen(int requestedPort) {
        final ServerBuilder sb = Server.builder()
                                       .http(new InetSocketAddress(host, requestedPort))
                                       // Streams last as long as generation does; clients set their own limits.
                                       .requestTimeout(Duration.ZERO)
                                       .maxRequestLength(MAX_REQUEST_LENGTH)
                                       .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                                       .disableServerHeader()
                                       // Rebinding the same port after refuseConnections(false) must not
                                       // trip over connections still in TIME_WAIT.
                                       .channelOption(ChannelOption.SO_REUSEADDR, true)
                                       .bossGroupFactory(QuickStopEventLoopGroup::forBoss)
                                       // Own meters per server: simulators in one process would otherwise
                                       // collide in the global registry.
                                       .meterRegistry(new SimpleMeterRegistry());
        simulator.bind(sb);
        final Server server = sb.build();
        server.start().join();
        this.server = server;
        port = server.activeLocalPort();
    }

    private void refuseConnections(boolean refuse) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (refuse) {
                stopListening();
            } else if (server == null) {
                listen(port);
            }
        }
    }

    private void stopListening() {
        final Server server = this.server;
        if (server != null) {
            this.server = null;
            simulator.abortAll();
            server.stop().join();
        }
    }

    /**
     * Returns the port the server listens on (or listened on, while refusing connections).
     */
    public int port() {
        synchronized (lock) {
            return port;
        }
    }

    /**
     * Returns the host the server was bound to.
     */
    public String host() {
        return host;
    }

    /**
     * Returns the configuration the server was started with.
     */
    public SimulatorConfig config() {
        return config;
    }

    /**
     * Returns the live fault switches.
     */
    public Faults faults() {
        return faults;
    }

    /**
     * Returns the request counters.
     */
    public SimulatorStats stats() {
        return stats;
    }

    /**
     * Stops listening and ends the responses in flight. Closing twice does nothing.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            stopListening();
        }
    }

    @Override
    public String toString() {
        return "SimulatorServer{" + host + ':' + port() + ", model=" + config.model() + '}';
    }
}

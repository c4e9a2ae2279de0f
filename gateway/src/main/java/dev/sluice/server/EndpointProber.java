package dev.sluice.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.sluice.picker.Endpoint;
import dev.sluice.proxy.GatewaySnapshot;

/**
 * Checks that each pool endpoint accepts connections, on an interval, so that readiness and the picker's
 * live-first order reflect endpoints that came back (the proxy marks refusals as they happen).
 *
 * <p>A TCP connect is the one check every model server (vLLM, SGLang, Triton) answers the same way; the scrape of
 * their metrics, added by the picker, tells more.
 */
final class EndpointProber implements AutoCloseable {

    private final Supplier<GatewaySnapshot> snapshot;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
    private final Duration timeout;

    EndpointProber(Supplier<GatewaySnapshot> snapshot, Duration interval, Duration timeout) {
        this.snapshot = snapshot;
        this.timeout = timeout;
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "sluice-endpoint-prober");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::probeAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Probes every endpoint of the current snapshot once and waits for the results. */
    void probeAll() {
        final Set<Endpoint> endpoints = new HashSet<>();
        snapshot.get().pools().values().forEach(p -> endpoints.addAll(p.endpoints()));
        final var futures = endpoints.stream().map(e -> probes.submit(() -> probe(e))).toList();
        for (var f : futures) {
            try {
                f.get();
            } catch (Exception e) {
                // probe() never throws; an interrupted wait only ends this round early.
            }
        }
    }

    private void probe(Endpoint e) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(e.host(), e.port()), (int) timeout.toMillis());
            e.markLive(true, System.nanoTime());
        } catch (IOException ex) {
            e.markLive(false, System.nanoTime());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        probes.shutdownNow();
    }
}

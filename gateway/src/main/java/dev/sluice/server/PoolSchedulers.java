package dev.sluice.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.linecorp.armeria.common.CommonPools;

import dev.sluice.config.PoolSettings;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.picker.Endpoint;
import dev.sluice.picker.flow.Admission;
import dev.sluice.picker.flow.FlowController;
import dev.sluice.picker.flow.FlowListener;
import dev.sluice.picker.metrics.EndpointLoad;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.picker.scheduler.PrefixIndex;
import dev.sluice.picker.scheduler.SaturationDetector;
import dev.sluice.picker.scheduler.ScheduleListener;
import dev.sluice.picker.scheduler.Scheduler;
import dev.sluice.picker.scheduler.SchedulerProfiles;
import dev.sluice.proxy.GatewaySnapshot;

/**
 * Each pool's scheduler and flow controller, kept across reloads where the pool's settings did not change: a
 * pool's prefix index remembers what was sent where, and its queue holds waiting requests, so neither should be
 * thrown away because an unrelated route changed.
 */
final class PoolSchedulers implements AutoCloseable {

    private record PoolState(PoolSettings settings, PrefixIndex index, FlowController flow) {}

    private final EndpointMetricsStore metrics;
    private final Supplier<GatewaySnapshot> snapshot;
    private final SaturationDetector detector = new SaturationDetector();
    /** Records prompts into prefix indexes off the request path; when it falls behind, old records are dropped. */
    private final ThreadPoolExecutor indexWriter = new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4096), r -> {
                final Thread t = new Thread(r, "sluice-prefix-index");
                t.setDaemon(true);
                return t;
            }, new ThreadPoolExecutor.DiscardOldestPolicy());
    private final Map<String, PoolState> pools = new HashMap<>();
    /** Set once the gateway's metrics exist; flow controllers built earlier reach it through the forwarder. */
    private volatile FlowListener flowListener = FlowListener.NOOP;
    private volatile ScheduleListener scheduleListener = ScheduleListener.NOOP;
    private final FlowListener forwarder = new FlowListener() {
        @Override
        public void enqueued(String pool, int priority) {
            flowListener.enqueued(pool, priority);
        }

        @Override
        public void completed(String pool, int priority, Admission admission) {
            flowListener.completed(pool, priority, admission);
        }
    };

    PoolSchedulers(EndpointMetricsStore metrics, Supplier<GatewaySnapshot> snapshot) {
        this.metrics = metrics;
        this.snapshot = snapshot;
    }

    /** Sends every pool's admission and scheduling events to these listeners (for metrics). */
    void listeners(FlowListener flow, ScheduleListener schedule) {
        flowListener = flow;
        scheduleListener = schedule;
    }

    /** Returns the scheduler of {@code pool} under its current settings. */
    synchronized Scheduler scheduler(Resource<InferencePoolSpec> pool) {
        final PoolState state = state(pool);
        return new Scheduler(SchedulerProfiles.byName(state.settings().schedulerProfile()), metrics::load,
                             state.index(), ThreadLocalRandom.current(),
                             (request, schedule, blockTokens) ->
                                     scheduleListener.scheduled(request, schedule, blockTokens));
    }

    /** Returns the flow controller of {@code pool} under its current settings. */
    synchronized FlowController flow(Resource<InferencePoolSpec> pool) {
        return state(pool).flow();
    }

    private PoolState state(Resource<InferencePoolSpec> pool) {
        final String name = pool.metadata().name();
        final PoolSettings settings = PoolSettings.of(pool.metadata().annotations());
        final PoolState old = pools.get(name);
        if (old != null && old.settings().equals(settings)) {
            return old;
        }
        final boolean sameBlocks = old != null &&
                                   old.settings().schedulerProfile().equals(settings.schedulerProfile());
        final PrefixIndex index = sameBlocks ? old.index() : new PrefixIndex(indexWriter);
        final FlowController flow = FlowController.builder(p -> settings.flowControl() ? saturation(p) : 0)
                                                  .scheduler(CommonPools.workerGroup().next())
                                                  .maxWait(settings.queueMaxWait())
                                                  .maxQueueSize(settings.queueMaxSize())
                                                  .listener(forwarder)
                                                  .build();
        if (old != null) {
            // Requests queued under the old settings finish their wait there.
            CommonPools.workerGroup().schedule(old.flow()::close, old.settings().queueMaxWait().toMillis(),
                                               TimeUnit.MILLISECONDS);
        }
        final PoolState state = new PoolState(settings, index, flow);
        pools.put(name, state);
        return state;
    }

    /** Returns the block hashes {@code pool}'s prefix index holds (the prefix indexer's size), 0 for no pool. */
    synchronized long prefixIndexBlocks(String pool) {
        final PoolState state = pools.get(pool);
        return state == null ? 0 : state.index().blockCount();
    }

    /** Forgets pools that the new snapshot no longer has and endpoints their indexes no longer need. */
    synchronized void retain(GatewaySnapshot next) {
        pools.entrySet().removeIf(e -> {
            final GatewaySnapshot.Pool pool = next.pool(e.getKey());
            if (pool == null) {
                e.getValue().flow().close();
                return true;
            }
            e.getValue().index().retainOnly(pool.endpoints().stream().map(Endpoint::authority).toList());
            return false;
        });
    }

    /**
     * Returns how saturated {@code pool} is, over its live endpoints whose metrics were ever read. A pool whose
     * servers publish no metrics (or not yet) is never held back, and neither is one whose servers are all down:
     * waiting cannot help there, so its requests fail fast on the connection instead.
     */
    private double saturation(String pool) {
        final GatewaySnapshot.Pool p = snapshot.get().pool(pool);
        if (p == null) {
            return 0;
        }
        final List<EndpointLoad> loads = new ArrayList<>(p.endpoints().size());
        for (Endpoint e : p.endpoints()) {
            if (!e.isLive()) {
                continue;
            }
            final EndpointLoad load = metrics.load(e.authority());
            if (load.metrics().metrics().hasLoad()) {
                loads.add(load);
            }
        }
        return loads.isEmpty() ? 0 : detector.saturation(loads);
    }

    @Override
    public synchronized void close() {
        pools.values().forEach(s -> s.flow().close());
        pools.clear();
        indexWriter.shutdownNow();
    }
}

package dev.sluice.observe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.metrics.EndpointMetricsSnapshot;
import dev.sluice.picker.metrics.EndpointMetricsStore;
import dev.sluice.picker.metrics.ModelServerMetrics;
import dev.sluice.proxy.GatewaySnapshot;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * Computes the {@code inference_pool_*} gauges when Prometheus scrapes, from the {@link EndpointMetricsStore} and
 * the pools of the current {@link GatewaySnapshot}.
 *
 * <p>As in GIE, only endpoints whose metrics are fresh count: {@code ready_pods} is their number, and the averages
 * are taken over them. A pool with no fresh endpoint reports {@code ready_pods 0} and no averages (GIE keeps the
 * last values; an absent series is more honest for alerts and autoscalers than a stale one). Unlike GIE, the queue
 * average is not rounded down to an integer. {@code per_pod_queue_size} has one series per fresh endpoint, labelled
 * {@code <host>-rank-<i>} where {@code i} numbers a host's endpoints (ports) in the pool.
 */
final class PoolMetricsCollector implements MultiCollector {

    static final String KV = "inference_pool_average_kv_cache_utilization";
    static final String QUEUE = "inference_pool_average_queue_size";
    static final String RUNNING = "inference_pool_average_running_requests";
    static final String READY = "inference_pool_ready_pods";
    static final String PER_POD_QUEUE = "inference_pool_per_pod_queue_size";

    private final Supplier<GatewaySnapshot> snapshot;
    private final EndpointMetricsStore store;

    PoolMetricsCollector(Supplier<GatewaySnapshot> snapshot, EndpointMetricsStore store) {
        this.snapshot = snapshot;
        this.store = store;
    }

    @Override
    public MetricSnapshots collect() {
        final GaugeSnapshot.Builder kv = GaugeSnapshot.builder().name(KV)
                .help("The average kv cache utilization for an inference server pool.");
        final GaugeSnapshot.Builder queue = GaugeSnapshot.builder().name(QUEUE)
                .help("The average number of requests pending in the model server queue.");
        final GaugeSnapshot.Builder running = GaugeSnapshot.builder().name(RUNNING)
                .help("The average number of requests running in the model servers of an inference pool.");
        final GaugeSnapshot.Builder ready = GaugeSnapshot.builder().name(READY)
                .help("The number of ready pods in the inference server pool.");
        final GaugeSnapshot.Builder perPod = GaugeSnapshot.builder().name(PER_POD_QUEUE)
                .help("The total number of requests pending in the model server queue for each underlying pod.");
        // Sorted, so that the exposition is stable.
        final Map<String, GatewaySnapshot.Pool> pools = new TreeMap<>(snapshot.get().pools());
        for (GatewaySnapshot.Pool pool : pools.values()) {
            final Labels name = Labels.of("name", pool.name());
            final Average kvAvg = new Average();
            final Average queueAvg = new Average();
            final Average runningAvg = new Average();
            int fresh = 0;
            final Map<String, Integer> ranks = new HashMap<>();
            final List<GaugeDataPointSnapshot> pods = new ArrayList<>();
            for (Endpoint e : pool.endpoints()) {
                final int rank = ranks.merge(e.host(), 1, Integer::sum) - 1;
                final EndpointMetricsSnapshot s = store.snapshot(e.authority());
                if (!s.isFresh()) {
                    continue;
                }
                fresh++;
                final ModelServerMetrics m = s.metrics();
                kvAvg.add(m.kvCacheUsage());
                queueAvg.add(m.waitingRequests());
                runningAvg.add(m.runningRequests());
                if (!Double.isNaN(m.waitingRequests())) {
                    pods.add(point(m.waitingRequests(),
                                   Labels.of("model_server_pod", e.host() + "-rank-" + rank, "name", pool.name())));
                }
            }
            ready.dataPoint(point(fresh, name));
            kvAvg.addTo(kv, name);
            queueAvg.addTo(queue, name);
            runningAvg.addTo(running, name);
            pods.forEach(perPod::dataPoint);
        }
        return MetricSnapshots.of(kv.build(), queue.build(), running.build(), ready.build(), perPod.build());
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(KV, QUEUE, RUNNING, READY, PER_POD_QUEUE);
    }

    private static GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    /** The mean of the known (non-NaN) values. */
    private static final class Average {
        double sum;
        int n;

        void add(double v) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }

        void addTo(GaugeSnapshot.Builder b, Labels labels) {
            if (n > 0) {
                b.dataPoint(point(sum / n, labels));
            }
        }
    }
}

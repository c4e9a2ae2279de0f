package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.List;

import dev.sluice.picker.Endpoint;
import dev.sluice.picker.metrics.EndpointLoad;

/**
 * Tells how close a pool is to full from its endpoints' queues and KV caches: GIE's {@code utilization-detector}
 * (v1.5, {@code saturationdetector/utilization/detector.go}), a roofline over the two resources.
 *
 * <pre>
 *   endpoint saturation = min(1, max(waiting / queueThreshold, kvUsage / kvThreshold))    stale or unknown: 1
 *   pool saturation     = mean over the pool's endpoints                                  empty pool: 1
 * </pre>
 *
 * <p>The pool is saturated at 1, so exactly when every endpoint is at a threshold or has no fresh metrics. Unlike
 * GIE, each endpoint's share is capped at 1: otherwise one endpoint with a queue of 50 would read as a saturated pool
 * of eight while the other seven idle (GIE's mean is uncapped). The waiting count and KV usage are the estimates of
 * {@link EndpointLoad} (last scrape plus this gateway's requests since), so a burst counts before the next scrape.
 * An endpoint whose engine reports neither number counts as saturated, having nothing to show it is not.
 *
 * <p>Defaults are GIE's: queue 5, KV 0.8, and the staleness bound of the metrics store (200 ms).
 */
public final class SaturationDetector {

    /** GIE's {@code queueDepthThreshold}. */
    public static final double DEFAULT_QUEUE_THRESHOLD = 5;

    /** GIE's {@code kvCacheUtilThreshold}. */
    public static final double DEFAULT_KV_THRESHOLD = 0.8;

    private final double queueThreshold;
    private final double kvThreshold;

    /** Creates a detector with GIE's default thresholds. */
    public SaturationDetector() {
        this(DEFAULT_QUEUE_THRESHOLD, DEFAULT_KV_THRESHOLD);
    }

    /** Creates a detector that counts an endpoint full at {@code queueThreshold} waiting or {@code kvThreshold}. */
    public SaturationDetector(double queueThreshold, double kvThreshold) {
        if (!(queueThreshold > 0) || Double.isInfinite(queueThreshold)) {
            throw new IllegalArgumentException("queueThreshold: " + queueThreshold + " (expected: finite and > 0)");
        }
        if (!(kvThreshold > 0 && kvThreshold <= 1)) {
            throw new IllegalArgumentException("kvThreshold: " + kvThreshold + " (expected: > 0 and <= 1)");
        }
        this.queueThreshold = queueThreshold;
        this.kvThreshold = kvThreshold;
    }

    /** Returns the waiting requests at which an endpoint counts as full. */
    public double queueThreshold() {
        return queueThreshold;
    }

    /** Returns the KV-cache usage at which an endpoint counts as full. */
    public double kvThreshold() {
        return kvThreshold;
    }

    /** Returns one endpoint's saturation, from 0 (idle) to 1 (full or without fresh metrics). */
    public double saturation(EndpointLoad load) {
        requireNonNull(load, "load");
        if (!load.isFresh()) {
            return 1;
        }
        final double q = load.estimatedWaiting();
        final double kv = load.estimatedKvCacheUsage();
        if (Double.isNaN(q) && Double.isNaN(kv)) {
            return 1;
        }
        double s = 0;
        if (!Double.isNaN(q)) {
            s = Math.max(s, q / queueThreshold);
        }
        if (!Double.isNaN(kv)) {
            s = Math.max(s, kv / kvThreshold);
        }
        return Math.min(1, s);
    }

    /** Returns whether an endpoint is full with a margin: {@code headroom} 0.1 lets it reach 110% of a threshold. */
    public boolean isFull(EndpointLoad load, double headroom) {
        requireNonNull(load, "load");
        if (!load.isFresh()) {
            return true;
        }
        final double q = load.estimatedWaiting();
        final double kv = load.estimatedKvCacheUsage();
        if (Double.isNaN(q) && Double.isNaN(kv)) {
            return true;
        }
        return q >= queueThreshold * (1 + headroom) || kv >= kvThreshold * (1 + headroom);
    }

    /** Returns the pool's saturation, the mean of its endpoints', from 0 to 1; 1 when it has none. */
    public double saturation(Collection<EndpointLoad> loads) {
        requireNonNull(loads, "loads");
        if (loads.isEmpty()) {
            return 1;
        }
        double sum = 0;
        for (EndpointLoad load : loads) {
            sum += saturation(load);
        }
        return sum / loads.size();
    }

    /** Returns the saturation of a pool of {@code endpoints}, reading each one's load from {@code loads}. */
    public double saturation(List<Endpoint> endpoints, EndpointLoadSource loads) {
        requireNonNull(endpoints, "endpoints");
        requireNonNull(loads, "loads");
        if (endpoints.isEmpty()) {
            return 1;
        }
        double sum = 0;
        for (Endpoint e : endpoints) {
            sum += saturation(loads.load(e.authority()));
        }
        return sum / endpoints.size();
    }

    @Override
    public String toString() {
        return "SaturationDetector{queueThreshold=" + queueThreshold + ", kvThreshold=" + kvThreshold + '}';
    }
}

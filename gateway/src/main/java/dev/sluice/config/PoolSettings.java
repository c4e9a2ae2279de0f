package dev.sluice.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.picker.scheduler.SchedulerProfiles;

/**
 * How Sluice schedules one {@code InferencePool}, read from the pool's annotations (the pool's own spec is the
 * upstream API, so Sluice's settings ride alongside it as Kubernetes extensions usually do).
 *
 * <pre>
 * metadata:
 *   annotations:
 *     sluice.dev/scheduler-profile: sluice-default   # or gie-default, least-queue, round-robin, random
 *     sluice.dev/queue-max-wait: 30s                  # how long a request may wait while the pool is saturated
 *     sluice.dev/queue-max-size: "1000"               # requests waiting at most, per pool
 *     sluice.dev/flow-control: "on"                   # "off": never hold requests back, however full the pool
 * </pre>
 *
 * @param schedulerProfile the scheduler profile's name
 * @param queueMaxWait the longest wait in the saturation queue before a 503
 * @param queueMaxSize the most requests waiting in the saturation queue
 * @param flowControl whether saturation sheds and queues requests (off: they all go to the servers)
 */
public record PoolSettings(String schedulerProfile, Duration queueMaxWait, int queueMaxSize, boolean flowControl) {

    /** The annotation naming the scheduler profile. */
    public static final String SCHEDULER_PROFILE = "sluice.dev/scheduler-profile";
    /** The annotation setting the longest queue wait. */
    public static final String QUEUE_MAX_WAIT = "sluice.dev/queue-max-wait";
    /** The annotation setting the queue's capacity. */
    public static final String QUEUE_MAX_SIZE = "sluice.dev/queue-max-size";
    /** The annotation that turns flow control on or off. */
    public static final String FLOW_CONTROL = "sluice.dev/flow-control";

    /** The defaults: Sluice's own scheduler, 30 s of queueing, 1,000 queued requests. */
    public static final PoolSettings DEFAULTS =
            new PoolSettings("sluice-default", Duration.ofSeconds(30), 1000, true);

    /** Reads the settings from a pool's annotations; call {@link #problems} first, as the loader does. */
    public static PoolSettings of(Map<String, String> annotations) {
        final String profile = annotations.getOrDefault(SCHEDULER_PROFILE, DEFAULTS.schedulerProfile());
        final String wait = annotations.get(QUEUE_MAX_WAIT);
        final String size = annotations.get(QUEUE_MAX_SIZE);
        return new PoolSettings(profile.trim(),
                                wait == null ? DEFAULTS.queueMaxWait() : GatewayDurations.parse(wait.trim()),
                                size == null ? DEFAULTS.queueMaxSize() : Integer.parseInt(size.trim()),
                                !"off".equals(annotations.getOrDefault(FLOW_CONTROL, "on").trim()));
    }

    /** Returns what is wrong with the settings in {@code annotations}, as {@code key: value (expected: ...)}. */
    static List<String> problems(Map<String, String> annotations) {
        final List<String> problems = new ArrayList<>(0);
        final String profile = annotations.get(SCHEDULER_PROFILE);
        if (profile != null && !SchedulerProfiles.names().contains(profile.trim())) {
            problems.add(SCHEDULER_PROFILE + ": " + profile + " (expected: one of " + SchedulerProfiles.names() + ')');
        }
        final String wait = annotations.get(QUEUE_MAX_WAIT);
        if (wait != null) {
            final Duration d = GatewayDurations.parse(wait.trim());
            if (d == null || d.isZero()) {
                problems.add(QUEUE_MAX_WAIT + ": " + wait + " (expected: a duration above 0, like 30s)");
            }
        }
        final String size = annotations.get(QUEUE_MAX_SIZE);
        if (size != null) {
            int n;
            try {
                n = Integer.parseInt(size.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 0) {
                problems.add(QUEUE_MAX_SIZE + ": " + size + " (expected: a number of requests, 0 or more)");
            }
        }
        final String flow = annotations.get(FLOW_CONTROL);
        if (flow != null && !"on".equals(flow.trim()) && !"off".equals(flow.trim())) {
            problems.add(FLOW_CONTROL + ": " + flow + " (expected: on or off)");
        }
        return problems;
    }
}

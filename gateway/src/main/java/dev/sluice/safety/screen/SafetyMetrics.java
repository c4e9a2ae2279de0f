package dev.sluice.safety.screen;

import java.util.Locale;

import dev.sluice.safety.Direction;
import dev.sluice.safety.template.Sanitization;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * The {@code sluice_safety_*} metrics. Labels are bounded: templates and guards come from configuration, directions,
 * verdicts, filters, actions and outcomes from fixed sets.
 *
 * <ul>
 *   <li>{@code sluice_safety_screenings_total{template, direction, verdict}}: verdict {@code match} or
 *       {@code no_match}, one per screened text (a stream counts each screened window).</li>
 *   <li>{@code sluice_safety_filter_matches_total{template, direction, filter}}: filter as the
 *       {@code filterResults} keys name them.</li>
 *   <li>{@code sluice_safety_actions_total{template, direction, action}}: {@code blocked}, {@code inspect_only}
 *       (a match let through by INSPECT_ONLY) or {@code deidentified}.</li>
 *   <li>{@code sluice_safety_screening_duration_seconds{direction}}: detectors plus guard, per screened text.</li>
 *   <li>{@code sluice_safety_guard_calls_total{guard, outcome}}: outcome {@code ok}, {@code failed_open} or
 *       {@code failed}.</li>
 *   <li>{@code sluice_safety_stream_holdback_seconds}: how long screened stream text was held back before
 *       release.</li>
 * </ul>
 */
public final class SafetyMetrics implements MultiCollector {

    /** Screening buckets (seconds): rules take microseconds, a learned stage milliseconds, a guard up to seconds. */
    static final double[] BUCKETS = { 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1,
                                      0.25, 0.5, 1, 2.5 };

    private final Counter screenings;
    private final Counter filterMatches;
    private final Counter actions;
    private final Histogram duration;
    private final Counter guardCalls;
    private final Histogram holdback;

    /** Creates the metrics, not registered anywhere yet. */
    public SafetyMetrics() {
        screenings = Counter.builder().name("sluice_safety_screenings_total")
                            .help("Texts screened by a safety template, by verdict.")
                            .labelNames("template", "direction", "verdict").withoutExemplars().build();
        filterMatches = Counter.builder().name("sluice_safety_filter_matches_total")
                               .help("Filter matches of safety templates.")
                               .labelNames("template", "direction", "filter").withoutExemplars().build();
        actions = Counter.builder().name("sluice_safety_actions_total")
                         .help("What the safety extension did with a match: blocked, inspect_only, deidentified.")
                         .labelNames("template", "direction", "action").withoutExemplars().build();
        duration = Histogram.builder().name("sluice_safety_screening_duration_seconds")
                            .help("Time to screen one text (detectors and guard).").labelNames("direction")
                            .classicUpperBounds(BUCKETS).classicOnly().withoutExemplars().build();
        guardCalls = Counter.builder().name("sluice_safety_guard_calls_total")
                            .help("Calls to external safety guards, by outcome: ok, failed_open, failed.")
                            .labelNames("guard", "outcome").withoutExemplars().build();
        holdback = Histogram.builder().name("sluice_safety_stream_holdback_seconds")
                            .help("Time streamed text was held back for screening before it was released.")
                            .classicUpperBounds(BUCKETS).classicOnly().withoutExemplars().build();
    }

    @Override
    public MetricSnapshots collect() {
        return MetricSnapshots.of(screenings.collect(), filterMatches.collect(), actions.collect(), duration.collect(),
                                  guardCalls.collect(), holdback.collect());
    }

    /** Records one screened text. */
    public void screened(Sanitization s, Direction direction, long nanos) {
        final String dir = direction(direction);
        screenings.labelValues(s.template(), dir, s.matched() ? "match" : "no_match").inc();
        for (String f : s.matchedFilters()) {
            filterMatches.labelValues(s.template(), dir, f).inc();
        }
        duration.labelValues(dir).observe(nanos / 1e9);
    }

    /** Records what was done with a match. */
    public void action(String template, Direction direction, String action) {
        actions.labelValues(template, direction(direction), action).inc();
    }

    /** Records a guard call. */
    public void guardCall(String guard, String outcome) {
        guardCalls.labelValues(guard, outcome).inc();
    }

    /** Records how long released stream text was held. */
    public void heldBack(long nanos) {
        holdback.observe(nanos / 1e9);
    }

    static String direction(Direction d) {
        return d.name().toLowerCase(Locale.ROOT);
    }
}

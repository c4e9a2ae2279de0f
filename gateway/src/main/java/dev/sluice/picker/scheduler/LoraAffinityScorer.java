package dev.sluice.picker.scheduler;

import java.util.List;

import dev.sluice.picker.metrics.ModelServerMetrics;

/**
 * Scores endpoints by how ready they are to serve the request's LoRA adapter: GIE's {@code lora-affinity-scorer}.
 * 1.0 when the adapter is among the running adapters; 0.8 when a slot is free
 * ({@code running + waiting adapters < maxLoras}); 0.6 when the adapter is among the waiting ones; 0 otherwise.
 *
 * <p>The adapter is the request's target model. When no fresh candidate reports LoRA slots or lists that model, the
 * request is taken to be for a base model and every candidate scores 1 (GIE would score base-model requests 0.8 or 0
 * by free slots, a bias unrelated to the request). Stale endpoints score 0 while another is fresh.
 */
public final class LoraAffinityScorer implements Scorer {

    /** Creates the scorer. */
    public LoraAffinityScorer() {}

    @Override
    public String name() {
        return "lora-affinity-scorer";
    }

    @Override
    public void score(SchedulingContext context, List<Candidate> candidates, double[] scores) {
        final String model = context.request().model();
        final int n = candidates.size();
        boolean adapterAware = false;
        if (model != null && context.anyFresh()) {
            for (Candidate c : candidates) {
                if (c.isFresh()) {
                    final ModelServerMetrics m = c.load().metrics().metrics();
                    if (m.maxLoras() > 0 || m.runningLoraAdapters().contains(model) ||
                        m.waitingLoraAdapters().contains(model)) {
                        adapterAware = true;
                        break;
                    }
                }
            }
        }
        for (int i = 0; i < n; i++) {
            final Candidate c = candidates.get(i);
            if (!adapterAware) {
                scores[i] = 1;
            } else if (!c.isFresh()) {
                scores[i] = 0;
            } else {
                scores[i] = score(c.load().metrics().metrics(), model);
            }
        }
    }

    static double score(ModelServerMetrics m, String adapter) {
        if (m.runningLoraAdapters().contains(adapter)) {
            return 1.0;
        }
        if (m.runningLoraAdapters().size() + m.waitingLoraAdapters().size() < m.maxLoras()) {
            return 0.8;
        }
        if (m.waitingLoraAdapters().contains(adapter)) {
            return 0.6;
        }
        return 0;
    }

    @Override
    public String toString() {
        return name();
    }
}

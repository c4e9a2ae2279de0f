package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.simulator.EngineSnapshot;
import dev.sluice.simulator.TimingModel;

/**
 * Times steps with a {@link TimingModel}: a step lasts as long as the longest time the model gives for a token
 * sampled in it, the time to first token for a sequence that completes its prompt (or a recompute), the
 * inter-token latency for one that decodes. A step that samples nothing (an early prefill chunk) takes no time.
 *
 * <p>A lone request thus sees exactly the model's times; concurrent ones share steps, so a request that completes
 * its prompt holds up the tokens of those decoding beside it, as a prefill does on a GPU.
 */
public final class FixedStepTime implements StepTimeModel {

    private final TimingModel model;

    public FixedStepTime(TimingModel model) {
        this.model = requireNonNull(model, "model");
    }

    @Override
    public long stepNanos(BatchingEngine.Plan plan) {
        long longest = 0;
        EngineSnapshot snapshot = null;
        for (int i = 0; i < plan.size(); i++) {
            if (!plan.samples(i)) {
                continue;
            }
            if (snapshot == null) {
                snapshot = plan.snapshot();
            }
            final Sequence sequence = plan.sequence(i);
            final long nanos = plan.decodes(i)
                               ? model.interTokenLatency(sequence.generationRequest(), sequence.generated(),
                                                         snapshot).toNanos()
                               : model.timeToFirstToken(sequence.generationRequest(), snapshot).toNanos();
            longest = Math.max(longest, nanos);
        }
        return longest;
    }

    @Override
    public String toString() {
        return "FixedStepTime{" + model + '}';
    }
}

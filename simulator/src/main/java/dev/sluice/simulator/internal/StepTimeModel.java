package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import java.util.SplittableRandom;

import org.jspecify.annotations.Nullable;

import dev.sluice.simulator.FixedTimingModel;
import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.SimulatorProfile;
import dev.sluice.simulator.TimingModel;

/**
 * Decides how long one step of a {@link BatchingEngine} takes, given what the step computes, and how long a request
 * takes to reach the engine's queue.
 */
public interface StepTimeModel {

    /**
     * Returns the step timing a config asks for: fixed latencies from the given timing model if there is one, else
     * the config's profile (jitter seeded with the config's seed), else {@link FixedTimingModel} of the config.
     */
    static StepTimeModel of(SimulatorConfig config, @Nullable TimingModel timingModel) {
        requireNonNull(config, "config");
        if (timingModel != null) {
            return new FixedStepTime(timingModel);
        }
        final SimulatorProfile profile = config.profile();
        if (profile != null) {
            return new ProfileStepTime(profile, new SplittableRandom(config.seed()));
        }
        return new FixedStepTime(FixedTimingModel.of(config));
    }

    /**
     * Returns the duration of the step just formed, in nanoseconds.
     */
    long stepNanos(BatchingEngine.Plan plan);

    /**
     * Returns the time from a request's arrival to the waiting queue, in nanoseconds.
     */
    default long overheadNanos(int promptTokens) {
        return 0;
    }
}

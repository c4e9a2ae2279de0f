package dev.sluice.simulator.internal;

import static java.util.Objects.requireNonNull;

import java.util.random.RandomGenerator;

import dev.sluice.simulator.SimulatorProfile;

/**
 * Times steps with a {@link SimulatorProfile}'s linear model, with seeded Gaussian jitter.
 */
public final class ProfileStepTime implements StepTimeModel {

    private final SimulatorProfile profile;
    private final long base;
    private final long perPrefillToken;
    private final long perDecodeSequence;
    private final long atFullKvCache;
    private final long overhead;
    private final long overheadPerPromptToken;
    private final double jitter;
    private final RandomGenerator random;

    /**
     * Creates a model drawing jitter from the given generator, which it then owns.
     */
    public ProfileStepTime(SimulatorProfile profile, RandomGenerator random) {
        this.profile = requireNonNull(profile, "profile");
        this.random = requireNonNull(random, "random");
        base = profile.stepBase().toNanos();
        perPrefillToken = profile.perPrefillToken().toNanos();
        perDecodeSequence = profile.perDecodeSequence().toNanos();
        atFullKvCache = profile.atFullKvCache().toNanos();
        overhead = profile.requestOverhead().toNanos();
        overheadPerPromptToken = profile.overheadPerPromptToken().toNanos();
        jitter = profile.stepJitter();
    }

    public SimulatorProfile profile() {
        return profile;
    }

    @Override
    public long stepNanos(BatchingEngine.Plan plan) {
        final double nanos = base + (double) perPrefillToken * plan.prefillTokens() +
                             (double) perDecodeSequence * plan.decodeSequences() +
                             atFullKvCache * plan.kvCacheUsage();
        if (jitter == 0) {
            return Math.round(nanos);
        }
        final double factor = 1 + jitter * Math.clamp(random.nextGaussian(), -3.0, 3.0);
        return Math.round(nanos * factor);
    }

    @Override
    public long overheadNanos(int promptTokens) {
        return overhead + overheadPerPromptToken * promptTokens;
    }

    @Override
    public String toString() {
        return "ProfileStepTime{" + profile.name() + '}';
    }
}

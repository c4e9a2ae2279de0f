package dev.sluice.picker.scheduler;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One way to schedule a pool's requests: filters in order, weighted scorers, one picker, and how prompts are cut
 * into prefix blocks. Built with {@link #builder(String)}; the named presets are in {@link SchedulerProfiles}.
 *
 * <p>Stateful parts (the round-robin turn) live in the profile's picker, so give each scheduler its own profile.
 */
public final class SchedulerProfile {

    /** Returns a builder of a profile named {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    private final String name;
    private final List<Filter> filters;
    private final List<WeightedScorer> scorers;
    private final Picker picker;
    private final BlockHasher hasher;
    private final boolean usesPrefix;

    private SchedulerProfile(Builder b) {
        name = b.name;
        filters = List.copyOf(b.filters);
        scorers = List.copyOf(b.scorers);
        picker = b.picker != null ? b.picker : new MaxScorePicker();
        hasher = b.hasher != null ? b.hasher
                                  : BlockHasher.characters(BlockHasher.DEFAULT_BLOCK_CHARS, BlockHasher.GIE_MAX_BLOCKS);
        usesPrefix = filters.stream().anyMatch(Filter::usesPrefix) ||
                     scorers.stream().anyMatch(s -> s.weight() > 0 && s.scorer().usesPrefix());
    }

    /** Returns the profile's name. */
    public String name() {
        return name;
    }

    /** Returns the filters, in the order they run. */
    public List<Filter> filters() {
        return filters;
    }

    /** Returns the scorers and their weights. */
    public List<WeightedScorer> scorers() {
        return scorers;
    }

    /** Returns the picker. */
    public Picker picker() {
        return picker;
    }

    /** Returns how prompts are cut into prefix blocks. */
    public BlockHasher hasher() {
        return hasher;
    }

    /** Returns whether a filter or a weighted scorer reads prefix matches. */
    public boolean usesPrefix() {
        return usesPrefix;
    }

    @Override
    public String toString() {
        return "SchedulerProfile{" + name + ", filters=" + filters + ", scorers=" + scorers + ", picker=" + picker +
               ", hasher=" + hasher + '}';
    }

    /** Builds a {@link SchedulerProfile}. */
    public static final class Builder {

        private final String name;
        private final List<Filter> filters = new ArrayList<>();
        private final List<WeightedScorer> scorers = new ArrayList<>();
        private @Nullable Picker picker;
        private @Nullable BlockHasher hasher;

        private Builder(String name) {
            this.name = requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name: '" + name + "' (expected: not blank)");
            }
        }

        /** Appends a filter. */
        public Builder filter(Filter filter) {
            filters.add(requireNonNull(filter, "filter"));
            return this;
        }

        /** Adds a scorer with its weight (finite, {@code >= 0}). */
        public Builder scorer(Scorer scorer, double weight) {
            scorers.add(new WeightedScorer(scorer, weight));
            return this;
        }

        /** Sets the picker. Default: {@link MaxScorePicker}. */
        public Builder picker(Picker picker) {
            this.picker = requireNonNull(picker, "picker");
            return this;
        }

        /**
         * Sets how prompts are cut into prefix blocks. Default: GIE's, 64-character blocks, at most 256 of them.
         */
        public Builder hasher(BlockHasher hasher) {
            this.hasher = requireNonNull(hasher, "hasher");
            return this;
        }

        /** Returns the profile. */
        public SchedulerProfile build() {
            return new SchedulerProfile(this);
        }
    }
}

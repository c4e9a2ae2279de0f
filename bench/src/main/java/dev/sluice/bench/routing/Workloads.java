package dev.sluice.bench.routing;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/** The named workloads of the routing benchmark. */
public final class Workloads {

    /** The workload names, in the order they run by default. */
    public static final List<String> NAMES = List.of(SharedPrefixWorkload.NAME, LowSharingWorkload.NAME,
                                                     MultiTurnWorkload.NAME, MultiLoraWorkload.NAME);

    /** Workloads that run only when asked for. */
    public static final List<String> EXTRA = List.of(HotPrefixWorkload.NAME);

    private Workloads() {}

    /**
     * Returns the workload named {@code name} with every token length times {@code scale}.
     *
     * @throws IllegalArgumentException if no workload has that name
     */
    public static Workload byName(String name, double scale) {
        requireNonNull(name, "name");
        if (!(scale > 0)) {
            throw new IllegalArgumentException("scale: " + scale + " (expected: > 0)");
        }
        return switch (name) {
            case SharedPrefixWorkload.NAME -> SharedPrefixWorkload.DEFAULT.scaled(scale);
            case LowSharingWorkload.NAME -> LowSharingWorkload.DEFAULT.scaled(scale);
            case MultiTurnWorkload.NAME -> MultiTurnWorkload.DEFAULT.scaled(scale);
            case MultiLoraWorkload.NAME -> MultiLoraWorkload.DEFAULT.scaled(scale);
            case HotPrefixWorkload.NAME -> HotPrefixWorkload.DEFAULT.scaled(scale);
            default -> throw new IllegalArgumentException("workload: " + name + " (expected: one of " +
                                                          String.join(", ", NAMES) + ", " +
                                                          String.join(", ", EXTRA) + ')');
        };
    }

    static int scale(int tokens, double factor) {
        return factor == 1 ? tokens : Math.max(1, (int) Math.round(tokens * factor));
    }

    static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            Collections.swap(list, i, random.nextInt(i + 1));
        }
    }
}

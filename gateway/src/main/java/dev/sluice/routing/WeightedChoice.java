package dev.sluice.routing;

import java.util.List;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

/** Picks one item of a list with probability proportional to its weight; weight 0 is never picked. */
final class WeightedChoice {

    private WeightedChoice() {}

    /**
     * Returns a weighted random item, or {@code null} when every weight is 0 (and {@code uniformWhenAllZero} is
     * false). Upstream rewrites pick uniformly when all weights are 0; routes send nothing.
     */
    static <T> @Nullable T pick(List<T> items, ToIntFunction<T> weight, RandomGenerator random,
                                boolean uniformWhenAllZero) {
        if (items.size() == 1) {
            return weight.applyAsInt(items.get(0)) > 0 || uniformWhenAllZero ? items.get(0) : null;
        }
        long total = 0;
        for (T t : items) {
            total += weight.applyAsInt(t);
        }
        if (total == 0) {
            return uniformWhenAllZero && !items.isEmpty() ? items.get(random.nextInt(items.size())) : null;
        }
        long r = random.nextLong(total);
        for (T t : items) {
            r -= weight.applyAsInt(t);
            if (r < 0) {
                return t;
            }
        }
        throw new AssertionError();
    }
}

package dev.sluice.picker.scheduler;

import java.util.random.RandomGenerator;

/**
 * Orders the candidates of one decision from their total scores, best first; every candidate appears once, so the
 * tail of the order is the proxy's fallback list.
 */
public interface Picker {

    /** Returns the picker's type name, as in configuration. */
    String name();

    /** Returns the indexes of {@code scores} in the order to try them. */
    int[] order(double[] scores, RandomGenerator random);
}

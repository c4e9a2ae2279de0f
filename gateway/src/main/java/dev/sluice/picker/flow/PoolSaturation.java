package dev.sluice.picker.flow;

/**
 * Reads how full a pool is now, from 0 to 1 and saturated at 1; in the gateway, a
 * {@link dev.sluice.picker.scheduler.SaturationDetector} over the pool's endpoints.
 */
@FunctionalInterface
public interface PoolSaturation {

    /** Returns the saturation of the pool named {@code pool}. */
    double saturation(String pool);
}

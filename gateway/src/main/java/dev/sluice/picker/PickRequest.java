package dev.sluice.picker;

import org.jspecify.annotations.Nullable;

/**
 * What the picker may consider about a request.
 *
 * @param pool the pool's name
 * @param model the model the endpoint will be asked for (after rewrites)
 * @param priority the objective's priority (0 when none; negative is sheddable)
 * @param prompt the prompt text, for prefix affinity (may be empty)
 */
public record PickRequest(String pool, @Nullable String model, int priority, String prompt) {}

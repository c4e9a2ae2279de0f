/**
 * Admission in front of the scheduler: shed sheddable requests with 429 when a pool is saturated, queue the others
 * by priority with a bounded wait, and release them as capacity returns
 * ({@link dev.sluice.picker.flow.FlowController}).
 */
@NullMarked
package dev.sluice.picker.flow;

import org.jspecify.annotations.NullMarked;

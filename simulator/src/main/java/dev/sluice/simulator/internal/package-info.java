/**
 * The simulator's implementation; not for use outside {@code dev.sluice.simulator}.
 */
@NullMarked
package dev.sluice.simulator.internal;

import org.jspecify.annotations.NullMarked;

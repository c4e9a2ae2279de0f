/**
 * Runs simulated model servers in virtual time, without sockets or threads, for routing benchmarks: a
 * {@link dev.sluice.simulator.des.DiscreteEventSimulation} holds one engine per simulated pod, the same
 * step-driven engine that {@link dev.sluice.simulator.SimulatorServer} serves, and a
 * {@link dev.sluice.simulator.des.RoutingPolicy} picks the engine of each arriving request.
 */
@NullMarked
package dev.sluice.simulator.des;

import org.jspecify.annotations.NullMarked;

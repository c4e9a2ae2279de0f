package dev.sluice.simulator.des;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import dev.sluice.simulator.SimulatorConfig;
import dev.sluice.simulator.internal.BatchingEngine;
import dev.sluice.simulator.internal.Sequence;
import dev.sluice.simulator.internal.SequenceListener;
import dev.sluice.simulator.internal.StepTimeModel;

/**
 * Runs simulated model servers in virtual time, without sockets or threads: requests arrive at given times, a
 * {@link RoutingPolicy} picks an engine for each, and each engine runs the step-driven engine that a
 * {@link dev.sluice.simulator.SimulatorServer} serves, its steps timed by its config's profile (or fixed latencies).
 *
 * <p>The simulation is a queue of timed events (arrivals, a request reaching its engine's waiting queue after the
 * profile's request overhead, step ends, scheduled actions) run in time order, ties in the order they were queued.
 * An idle engine starts a step as soon as work reaches it; a busy one starts the next step when the last ends. Given
 * the same seed, engines, requests and policy, a run is identical every time: nothing reads a clock, nothing
 * depends on hash order, and all randomness (step-time jitter, {@link #random()}) comes from generators split off
 * the seed, one per engine in the order engines are added.
 *
 * <p>Not thread-safe: configure and run it from one thread. Listeners and actions run on that thread and may submit
 * requests and schedule actions.
 */
public final class DiscreteEventSimulation {

    private final long seed;
    private final SplittableRandom seeds;
    private final RandomGenerator random;
    private final List<SimulatedEngine> engines = new ArrayList<>();
    private final List<SimulatedEngine> enginesView = Collections.unmodifiableList(engines);
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final List<RequestListener> listeners = new ArrayList<>();
    private final List<RequestRecord> records = new ArrayList<>();
    private RoutingPolicy routing = RoutingPolicy.roundRobin();
    private long now;
    private long queued;
    private long processed;
    private boolean keepRecords = true;

    /**
     * Creates an empty simulation whose randomness derives from the given seed.
     */
    public DiscreteEventSimulation(long seed) {
        this.seed = seed;
        seeds = new SplittableRandom(seed);
        random = seeds.split();
    }

    /** Returns the seed the simulation was created with. */
    public long seed() {
        return seed;
    }

    /**
     * Adds a simulated pod with the given name and config: its model, KV cache, scheduler limits and, through its
     * profile, its step times. Its step-time jitter draws from a generator split off the simulation's seed.
     */
    public SimulatedEngine addEngine(String name, SimulatorConfig config) {
        requireNonNull(name, "name");
        requireNonNull(config, "config");
        for (SimulatedEngine engine : engines) {
            if (engine.name().equals(name)) {
                throw new IllegalArgumentException("name: " + name + " (expected: distinct engine names)");
            }
        }
        final SimulatorConfig seeded = config.profile() == null ? config
                                                                 : withSeed(config, seeds.nextLong());
        final BatchingEngine engine = new BatchingEngine(seeded, StepTimeModel.of(seeded, null),
                                                         SequenceListener.NOOP);
        final SimulatedEngine simulated = new SimulatedEngine(name, engines.size(), config, engine);
        engines.add(simulated);
        return simulated;
    }

    private static SimulatorConfig withSeed(SimulatorConfig c, long seed) {
        return new SimulatorConfig(c.model(), c.loraAdapters(), c.timeToFirstToken(), c.interTokenLatency(),
                                   c.outputTokens(), seed, c.maxLoras(), c.kvCacheBlocks(), c.blockSize(),
                                   c.maxNumSeqs(), c.maxNumBatchedTokens(), c.profile(), c.timeCompression());
    }

    /** Returns the engines, in the order they were added. */
    public List<SimulatedEngine> engines() {
        return enginesView;
    }

    /**
     * Sets the policy that picks the engine of each arriving request. Default: {@link RoutingPolicy#roundRobin()}.
     */
    public DiscreteEventSimulation routing(RoutingPolicy routing) {
        this.routing = requireNonNull(routing, "routing");
        return this;
    }

    /**
     * Adds a listener of every request's progress.
     */
    public DiscreteEventSimulation listener(RequestListener listener) {
        listeners.add(requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Sets whether {@link #records()} keeps a record of every finished request. Default: {@code true}; turn it off
     * for long runs that only need the listener.
     */
    public DiscreteEventSimulation keepRecords(boolean keepRecords) {
        this.keepRecords = keepRecords;
        return this;
    }

    /** Returns a generator seeded from the simulation's seed, for routing policies and workloads. */
    public RandomGenerator random() {
        return random;
    }

    /** Returns the virtual time, from the start of the simulation. */
    public Duration now() {
        return Duration.ofNanos(now);
    }

    /**
     * Queues a request to arrive at its {@link SimulatedRequest#arrival()}, when the routing policy picks its
     * engine.
     *
     * @throws IllegalArgumentException if it arrives before {@link #now()}
     */
    public void submit(SimulatedRequest request) {
        requireNonNull(request, "request");
        if (request.arrivalNanos() < now) {
            throw new IllegalArgumentException("arrival: " + request.arrival() + " (expected: >= now, " + now() +
                                               ')');
        }
        queue(new Arrival(request.arrivalNanos(), request));
    }

    /**
     * Runs the given action at the given virtual time, for example to generate arrivals or to take the periodic
     * snapshots of a policy that should see stale state.
     *
     * @throws IllegalArgumentException if the time is before {@link #now()}
     */
    public void schedule(Duration at, Runnable action) {
        requireNonNull(at, "at");
        requireNonNull(action, "action");
        final long time = at.toNanos();
        if (time < now) {
            throw new IllegalArgumentException("at: " + at + " (expected: >= now, " + now() + ')');
        }
        queue(new Action(time, action));
    }

    /**
     * Runs until no event is left: every request has finished.
     */
    public void run() {
        while (!events.isEmpty()) {
            process(events.poll());
        }
    }

    /**
     * Runs the events up to and including the given virtual time, then sets the time to it; returns whether events
     * remain.
     */
    public boolean runUntil(Duration time) {
        final long until = requireNonNull(time, "time").toNanos();
        while (!events.isEmpty() && events.peek().time <= until) {
            process(events.poll());
        }
        now = Math.max(now, until);
        return !events.isEmpty();
    }

    /** Returns the records of finished requests, in the order they finished. */
    public List<RequestRecord> records() {
        return Collections.unmodifiableList(records);
    }

    /** Returns the number of events processed so far. */
    public long processedEvents() {
        return processed;
    }

    private void process(Event event) {
        now = event.time;
        processed++;
        event.run();
    }

    private void queue(Event event) {
        event.order = queued++;
        events.add(event);
    }

    private void arrive(SimulatedRequest request) {
        final SimulatedEngine engine = routing.choose(request, this);
        if (engine == null || engine.index() >= engines.size() || engines.get(engine.index()) != engine) {
            throw new IllegalStateException("routing chose " + engine + " (expected: one of engines())");
        }
        if (!engine.engine().fits(request.promptTokens(), request.outputTokens())) {
            throw new IllegalArgumentException(
                    request + ": " + request.promptTokens() + " + " + request.outputTokens() + " tokens (expected: <= " +
                    engine.engine().maxModelLength() + ", the KV cache of engine " + engine.name() + ')');
        }
        engine.routed();
        for (RequestListener listener : listeners) {
            listener.routed(request, engine);
        }
        final Sequence sequence = engine.sequence(request, new RequestProgress(request, engine));
        sequence.markArrival(now);
        final long overhead = engine.engine().timing().overheadNanos(request.promptTokens());
        if (overhead == 0) {
            enqueue(engine, sequence);
        } else {
            queue(new Enqueue(now + overhead, engine, sequence));
        }
    }

    private void enqueue(SimulatedEngine engine, Sequence sequence) {
        engine.engine().add(sequence, now);
        kick(engine);
    }

    private void kick(SimulatedEngine engine) {
        if (engine.stepping) {
            return;
        }
        final BatchingEngine.Plan plan = engine.engine().beginStep(now);
        if (plan != null) {
            engine.stepping = true;
            queue(new StepEnd(now + plan.durationNanos(), engine));
        }
    }

    private void endStep(SimulatedEngine engine) {
        engine.stepping = false;
        engine.engine().endStep(now);
        kick(engine);
    }

    /** Turns one sequence's engine events into listener calls and its record. */
    private final class RequestProgress implements SequenceListener {

        private final SimulatedRequest request;
        private final SimulatedEngine engine;

        RequestProgress(SimulatedRequest request, SimulatedEngine engine) {
            this.request = request;
            this.engine = engine;
        }

        @Override
        public void token(Sequence sequence, int index, long nowNanos) {
            if (!listeners.isEmpty()) {
                final Duration time = Duration.ofNanos(nowNanos);
                for (RequestListener listener : listeners) {
                    listener.token(request, index, time);
                }
            }
        }

        @Override
        public void finished(Sequence sequence, long nowNanos) {
            engine.finished();
            final RequestRecord record = new RequestRecord(
                    request.id(), engine.name(), request.loraAdapter(), request.arrival(),
                    Duration.ofNanos(sequence.admittedNanos()), Duration.ofNanos(sequence.firstTokenNanos()),
                    Duration.ofNanos(nowNanos), request.promptTokens(), sequence.cachedTokens(),
                    sequence.generated(), sequence.preemptions());
            if (keepRecords) {
                records.add(record);
            }
            for (RequestListener listener : listeners) {
                listener.finished(request, record);
            }
        }
    }

    /** Something that happens at a virtual time; ties run in the order they were queued. */
    private abstract static class Event implements Comparable<Event> {

        final long time;
        long order;

        Event(long time) {
            this.time = time;
        }

        abstract void run();

        @Override
        public int compareTo(Event other) {
            final int byTime = Long.compare(time, other.time);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }

    private final class Arrival extends Event {
        private final SimulatedRequest request;

        Arrival(long time, SimulatedRequest request) {
            super(time);
            this.request = request;
        }

        @Override
        void run() {
            arrive(request);
        }
    }

    private final class Enqueue extends Event {
        private final SimulatedEngine engine;
        private final Sequence sequence;

        Enqueue(long time, SimulatedEngine engine, Sequence sequence) {
            super(time);
            this.engine = engine;
            this.sequence = sequence;
        }

        @Override
        void run() {
            enqueue(engine, sequence);
        }
    }

    private final class StepEnd extends Event {
        private final SimulatedEngine engine;

        StepEnd(long time, SimulatedEngine engine) {
            super(time);
            this.engine = engine;
        }

        @Override
        void run() {
            endStep(engine);
        }
    }

    private static final class Action extends Event {
        private final Runnable action;

        Action(long time, Runnable action) {
            super(time);
            this.action = action;
        }

        @Override
        void run() {
            action.run();
        }
    }
}

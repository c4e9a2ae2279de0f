package dev.sluice.picker.flow;

/**
 * Hears what admission does, for metrics such as GIE's {@code inference_extension_flow_control_queue_size} and
 * {@code inference_extension_flow_control_request_queue_duration_seconds}. Called on the thread that decided, outside
 * the controller's locks; must be quick and must not throw.
 */
public interface FlowListener {

    /** A listener that does nothing. */
    FlowListener NOOP = new FlowListener() {};

    /** A request of {@code priority} joined the queue of {@code pool}. */
    default void enqueued(String pool, int priority) {}

    /**
     * A request of {@code priority} to {@code pool} got its answer: every request admitted at once, shed or rejected
     * comes here once, as does every queued one when it leaves the queue.
     */
    default void completed(String pool, int priority, Admission admission) {}
}

package dev.sluice.picker.flow;

import static java.util.Objects.requireNonNull;

/**
 * The answer of {@link FlowController#admit}: go ahead, or the error to answer with.
 *
 * @param outcome what happened
 * @param waitedNanos how long the request waited in the queue (0 when it did not queue)
 */
public record Admission(Outcome outcome, long waitedNanos) {

    public Admission {
        requireNonNull(outcome, "outcome");
        if (waitedNanos < 0) {
            throw new IllegalArgumentException("waitedNanos: " + waitedNanos + " (expected: >= 0)");
        }
    }

    /** Returns whether the request may proceed to scheduling. */
    public boolean isAdmitted() {
        return outcome == Outcome.ADMITTED;
    }

    /** Returns the HTTP status to answer with: 200 when admitted, else 429 or 503. */
    public int httpStatus() {
        return outcome.httpStatus();
    }

    /** Why a request did or did not get through admission. */
    public enum Outcome {
        /** Admitted, at once or after waiting. */
        ADMITTED(200, "admitted"),
        /** Shed at once: the pool is saturated and the request's priority is below zero. */
        SHED(429, "the pool is saturated and the request is sheddable (priority < 0)"),
        /** Rejected at once, or displaced by a request of higher priority: the pool's queue is full. */
        QUEUE_FULL(503, "the pool is saturated and its queue is full"),
        /** Waited the longest allowed without the pool ceasing to be saturated. */
        TIMED_OUT(503, "timed out in the queue waiting for the pool to have capacity"),
        /** The caller cancelled the wait (the client went away). */
        CANCELLED(503, "cancelled while waiting in the queue"),
        /** The flow controller was closed while the request waited. */
        CLOSED(503, "the gateway is shutting down");

        private final int httpStatus;
        private final String message;

        Outcome(int httpStatus, String message) {
            this.httpStatus = httpStatus;
            this.message = message;
        }

        /** Returns the HTTP status to answer with. */
        public int httpStatus() {
            return httpStatus;
        }

        /** Returns an error message for the client. */
        public String message() {
            return message;
        }

        /** Returns the value of the {@code outcome} label of GIE's queue-duration histogram. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}

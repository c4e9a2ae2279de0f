package dev.sluice.proxy;

import dev.sluice.extension.ExtensionEvent;

/** Observes exchanges: retries, upstream failures and extension calls (metrics and logs hook in here). */
public interface ExchangeListener {

    /** A listener that ignores everything. */
    ExchangeListener NOOP = new ExchangeListener() {};

    /**
     * Called once the request body has been read and names {@code model}, before routing; {@link #onComplete} follows
     * with a record whose {@code model()} is the same name.
     */
    default void onRequest(String model) {}

    /** Called when a request is retried on another endpoint after {@code reason}. */
    default void onRetry(String pool, String endpoint, String reason) {}

    /** Called after each extension call. */
    default void onExtensionCall(String extension, ExtensionEvent event, String outcome, long nanos) {}

    /** Called when the endpoint picker sheds a request of {@code pool} with {@code priority} (saturated pool). */
    default void onShed(String pool, int priority) {}

    /** Called when the endpoint picker holds a request of {@code pool} in its queue. */
    default void onQueued(String pool) {}

    /** Called when the exchange ends, with its record. */
    default void onComplete(ExchangeRecord record) {}
}

package dev.sluice.proxy;

import dev.sluice.extension.ExtensionEvent;

/** Observes exchanges: retries, upstream failures and extension calls (metrics and logs hook in here). */
public interface ExchangeListener {

    /** A listener that ignores everything. */
    ExchangeListener NOOP = new ExchangeListener() {};

    /** Called when a request is retried on another endpoint after {@code reason}. */
    default void onRetry(String pool, String endpoint, String reason) {}

    /** Called after each extension call. */
    default void onExtensionCall(String extension, ExtensionEvent event, String outcome, long nanos) {}

    /** Called when the exchange ends, with its record. */
    default void onComplete(ExchangeRecord record) {}
}

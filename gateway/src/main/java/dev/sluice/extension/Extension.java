package dev.sluice.extension;

import java.util.concurrent.CompletableFuture;

/**
 * A traffic extension: policy called at chosen events of each exchange, as a {@code GCPTrafficExtension} service is.
 *
 * <p>Implementations are built once per configuration by an {@link ExtensionFactory} and shared by all requests, so
 * they keep per-request state in {@link ExtensionCall#state()}. They are called on the request's event loop and must
 * not block it: slow work goes elsewhere and completes the returned future. The chain applies the configured
 * {@code timeout} and {@code failOpen} around every call.
 */
@FunctionalInterface
public interface Extension {

    /** Handles one event and returns what to do next. */
    CompletableFuture<ExtensionResult> handle(ExtensionCall call, ExtensionMessage message);
}

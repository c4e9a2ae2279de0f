package dev.sluice.safety.guard;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;

/**
 * An external screening service consulted alongside the in-process detectors; what it reports is merged with their
 * {@link Detection}. Calls are asynchronous and never block the caller's thread.
 */
public interface Guard {

    /** Screens {@code text}; the future fails when the service cannot answer (the caller applies fail-open). */
    CompletableFuture<Detection> check(String text, Direction direction, Set<FilterKind> filters);

    /** Returns a short name for logs and metrics ({@code model-armor} or {@code chat-model}). */
    String kind();
}

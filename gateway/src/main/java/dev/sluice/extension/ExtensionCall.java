package dev.sluice.extension;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jspecify.annotations.Nullable;

import dev.sluice.openai.OpenAiRequest;

/**
 * The per-request view an extension gets: the request's id and parsed body, the extension's metadata, and a state map
 * private to this request that lives across its events.
 */
public final class ExtensionCall {

    private final String requestId;
    private final Map<String, Object> state = new HashMap<>();
    private @Nullable OpenAiRequest request;
    private Map<String, String> metadata = Map.of();
    private String extensionName = "";
    private final CompletableFuture<ExchangeEnd> end = new CompletableFuture<>();
    private @Nullable Integer priority;

    /** Creates the call state of one request. */
    public ExtensionCall(String requestId) {
        this.requestId = requestId;
    }

    /** Returns the request id ({@code x-request-id}). */
    public String requestId() {
        return requestId;
    }

    /** Returns the parsed OpenAI request once the body has been read, else {@code null}. */
    public @Nullable OpenAiRequest request() {
        return request;
    }

    /** Returns the {@code metadata} of the extension being called. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Returns the name of the extension being called. */
    public String extensionName() {
        return extensionName;
    }

    /** Returns state that extensions keep for this request; keys should be prefixed by the extension's name. */
    public Map<String, Object> state() {
        return state;
    }

    void enter(String name, Map<String, String> metadata) {
        extensionName = name;
        this.metadata = metadata;
    }

    /** Sets the parsed request; called by the gateway when the body has been read. */
    public void request(@Nullable OpenAiRequest request) {
        this.request = request;
    }

    /**
     * Sets the request's objective priority (higher is more important; negative priorities are sheddable), used by
     * the flow control and endpoint picker of whichever pool the request is routed to. It overrides the priority of
     * an {@code x-gateway-inference-objective} the request names. Set it in a request event.
     */
    public void priority(int priority) {
        this.priority = priority;
    }

    /** Returns the priority an extension set, or {@code null} if none did. */
    public @Nullable Integer priority() {
        return priority;
    }

    /**
     * Returns a stage completed once, on the request's event loop, when the gateway is done with the exchange,
     * whatever the path it took: a normal answer, an immediate response, no route or capacity, a client that left
     * mid-stream, a model server that died. Extensions settle what they hold for the request here.
     */
    public CompletionStage<ExchangeEnd> onEnd() {
        return end.minimalCompletionStage();
    }

    /** Completes {@link #onEnd()}; called by the gateway once per exchange (later calls are ignored). */
    public void end(ExchangeEnd how) {
        end.complete(how);
    }
}

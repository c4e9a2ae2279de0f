package dev.sluice.extension;

import org.jspecify.annotations.Nullable;

/**
 * How one exchange ended, as extensions see it through {@link ExtensionCall#onEnd()}: sent once the gateway has
 * finished with the request on every path (a normal answer, an immediate response, no route, no capacity, a client
 * that left, a model server that died). Unknown numbers are {@code -1}.
 *
 * @param status the status sent to the client (0 when the stream was reset before headers)
 * @param clientCancelled whether the client left (or reset the stream) before the response was complete
 * @param upstreamResponded whether a model server (or backend) sent response headers, so it did work for the request
 * @param upstreamFailed whether the upstream failed: refused, timed out, or broke before or during its response
 * @param requestBytes request body bytes received
 * @param responseBytes response body bytes sent
 * @param totalNanos from the request's arrival to the end of the response
 * @param upstreamNanos from the first upstream attempt to the end of the upstream response
 * @param pool the InferencePool the request was routed to, or {@code null}
 * @param targetModel the model sent upstream after rewrites, or {@code null}
 * @param inputTokens prompt tokens from the model server's usage
 * @param outputTokens completion tokens: from usage, or counted from the stream
 * @param cachedTokens prompt tokens served from the prefix cache
 * @param errorDetail why the gateway failed the request, in the {@code Proxy-Status} style, or {@code null}
 * @param startEpochMicros when the request arrived, in microseconds since the epoch
 */
public record ExchangeEnd(int status, boolean clientCancelled, boolean upstreamResponded, boolean upstreamFailed,
                          long requestBytes, long responseBytes, long totalNanos, long upstreamNanos,
                          @Nullable String pool, @Nullable String targetModel, long inputTokens, long outputTokens,
                          long cachedTokens, @Nullable String errorDetail, long startEpochMicros) {}

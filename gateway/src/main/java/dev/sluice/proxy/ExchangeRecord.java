package dev.sluice.proxy;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What happened in one exchange, for metrics, access logs and analytics. Times are nanoseconds; unknown numbers are
 * {@code -1}.
 *
 * @param startEpochMicros when the request arrived, in microseconds since the epoch
 * @param requestId the request id
 * @param clientAddress the client's IP address
 * @param method the HTTP method
 * @param path the request path (no query)
 * @param status the status sent to the client (0 when the stream was reset before headers)
 * @param route the matched HTTPRoute, or {@code null}
 * @param pool the InferencePool, or {@code null}
 * @param endpoint the endpoint that served it ({@code host:port}), or {@code null}
 * @param model the model the client asked for, or {@code null}
 * @param targetModel the model sent upstream after rewrites, or {@code null}
 * @param objective the {@code InferenceObjective} named by the request, or {@code null}
 * @param priority the objective's priority (0 without one)
 * @param stream whether the response was streamed as SSE
 * @param attempts upstream attempts made
 * @param requestBytes request body bytes received
 * @param responseBytes response body bytes sent
 * @param totalNanos from the request's arrival to the end of the response
 * @param upstreamNanos from sending upstream to the end of the upstream response
 * @param ttftNanos from arrival to the first streamed token sent to the client (streams only)
 * @param inputTokens prompt tokens from the model server's usage
 * @param outputTokens completion tokens: from usage, or counted from the stream when the server sent none
 * @param cachedTokens prompt tokens served from the prefix cache, from usage
 * @param outputTokensCounted whether {@code outputTokens} was counted from stream events rather than reported
 * @param errorDetail why the gateway failed the request, in the {@code Proxy-Status} style of RFC 9209
 *                    ({@code destination_unavailable; details="failed_to_pick_backend"}), else {@code null}
 * @param pickNanos how long the endpoint picker took ({@code -1} when no pool was picked from)
 * @param requestStartNanos when the request arrived, on the {@link System#nanoTime()} scale (for span timing)
 * @param upstreamStartNanos when the first upstream attempt started, same scale ({@code -1} when none)
 * @param trace the exchange's W3C trace context
 * @param extensionCalls every extension call, in order
 */
public record ExchangeRecord(long startEpochMicros, String requestId, @Nullable String clientAddress, String method,
                             String path, int status, @Nullable String route, @Nullable String pool,
                             @Nullable String endpoint, @Nullable String model, @Nullable String targetModel,
                             @Nullable String objective, int priority, boolean stream, int attempts,
                             long requestBytes, long responseBytes, long totalNanos, long upstreamNanos,
                             long ttftNanos, long inputTokens, long outputTokens, long cachedTokens,
                             boolean outputTokensCounted, @Nullable String errorDetail, long pickNanos,
                             long requestStartNanos, long upstreamStartNanos, TraceContext trace,
                             List<ExtensionCallRecord> extensionCalls) {}

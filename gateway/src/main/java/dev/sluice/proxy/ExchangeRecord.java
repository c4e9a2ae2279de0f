package dev.sluice.proxy;

import org.jspecify.annotations.Nullable;

/**
 * What happened in one exchange, for metrics, access logs and analytics.
 *
 * @param requestId the request id
 * @param method the HTTP method
 * @param path the request path
 * @param status the status sent to the client (0 when the stream was reset before headers)
 * @param route the matched HTTPRoute, or {@code null}
 * @param pool the InferencePool, or {@code null}
 * @param endpoint the endpoint that served it ({@code host:port}), or {@code null}
 * @param model the model the client asked for, or {@code null}
 * @param targetModel the model sent upstream after rewrites, or {@code null}
 * @param stream whether the response was streamed as SSE
 * @param attempts upstream attempts made
 * @param errorDetail a {@code proxyStatus}-style detail when the gateway failed the request, else {@code null}
 */
public record ExchangeRecord(String requestId, String method, String path, int status, @Nullable String route,
                             @Nullable String pool, @Nullable String endpoint, @Nullable String model,
                             @Nullable String targetModel, boolean stream, int attempts,
                             @Nullable String errorDetail) {}

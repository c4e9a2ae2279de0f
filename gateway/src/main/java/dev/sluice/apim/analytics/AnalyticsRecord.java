package dev.sluice.apim.analytics;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What one request did, for analytics: who (key id, app, developer; never the key), what (product, model, target
 * model, pool), how it went (status, error code, latencies) and what it cost (tokens, bytes). Identity fields are
 * {@code null} for requests refused before a key was verified (Apigee's {@code (not set)}); unknown numbers are 0.
 *
 * @param id a unique id of the record (so that a batch written twice after a retry is stored once)
 * @param time when the request arrived
 * @param requestId the request's {@code x-request-id}
 * @param keyId the id of the API key used (never the key itself)
 * @param appId the key's app
 * @param developerId the app's developer
 * @param product the API product the request was admitted under
 * @param model the model the client asked for
 * @param targetModel the model sent to the model server after rewrites
 * @param pool the InferencePool the request was routed to
 * @param status the HTTP status sent to the client (0 if the stream was reset before headers)
 * @param totalLatencyMicros from arrival to the end of the response
 * @param upstreamLatencyMicros from the first upstream attempt to the end of the upstream response (0 if none)
 * @param inputTokens prompt tokens (reported by the model server, else estimated)
 * @param outputTokens completion tokens (reported, else counted)
 * @param cachedTokens prompt tokens served from the prefix cache
 * @param requestBytes request body bytes
 * @param responseBytes response body bytes
 * @param errorCode the Apigee fault's {@code errorcode} when API management refused the request, else the gateway's
 *                  error kind (such as {@code destination_unavailable}), else {@code http_<status>} for error
 *                  statuses, else {@code null}
 */
public record AnalyticsRecord(String id, Instant time, String requestId, @Nullable String keyId,
                              @Nullable String appId, @Nullable String developerId, @Nullable String product,
                              @Nullable String model, @Nullable String targetModel, @Nullable String pool, int status,
                              long totalLatencyMicros, long upstreamLatencyMicros, long inputTokens,
                              long outputTokens, long cachedTokens, long requestBytes, long responseBytes,
                              @Nullable String errorCode) {
    public AnalyticsRecord {
        requireNonNull(id, "id");
        requireNonNull(time, "time");
        requireNonNull(requestId, "requestId");
    }

    /** Returns whether the request counts as an error (Apigee's {@code is_error}): a status of 400 or more, or none. */
    public boolean isError() {
        return status >= 400 || status == 0;
    }
}

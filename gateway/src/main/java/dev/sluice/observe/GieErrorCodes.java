package dev.sluice.observe;

import org.jspecify.annotations.Nullable;

import dev.sluice.proxy.ExchangeRecord;

/**
 * Maps an exchange to the {@code error_code} label of {@code inference_model_request_error_total}, using the
 * Gateway API Inference Extension's canonical codes.
 *
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>Outcome</th><th>error_code</th></tr>
 *   <tr><td>malformed body, missing model, body too large ({@code http_request_error})</td><td>BadRequest</td></tr>
 *   <tr><td>unknown model or no route ({@code destination_not_found})</td><td>NotFound</td></tr>
 *   <tr><td>an extension answered 429 (rate limit, shed)</td><td>ResourceExhausted</td></tr>
 *   <tr><td>an extension answered another 4xx (key rejected, prompt blocked)</td><td>BadRequest</td></tr>
 *   <tr><td>no capacity: no backend, no endpoint, every endpoint refused ({@code destination_unavailable},
 *       {@code connection_refused})</td><td>ServiceUnavailable</td></tr>
 *   <tr><td>an extension failed closed, or a gateway bug ({@code proxy_internal_error})</td><td>Internal</td></tr>
 *   <tr><td>the model server answered with a status other than 200, timed out, or broke the connection</td>
 *       <td>ModelServerError</td></tr>
 *   <tr><td>anything else that failed</td><td>Unknown</td></tr>
 * </table>
 *
 * <p>A client that went away before the answer is not an error of the gateway or the model server and gets no code.
 */
public final class GieErrorCodes {

    public static final String BAD_REQUEST = "BadRequest";
    public static final String NOT_FOUND = "NotFound";
    public static final String RESOURCE_EXHAUSTED = "ResourceExhausted";
    public static final String SERVICE_UNAVAILABLE = "ServiceUnavailable";
    public static final String INTERNAL = "Internal";
    public static final String MODEL_SERVER_ERROR = "ModelServerError";
    public static final String UNKNOWN = "Unknown";

    /** Every code this class returns, in a fixed order. */
    static final String[] ALL = { BAD_REQUEST, NOT_FOUND, RESOURCE_EXHAUSTED, SERVICE_UNAVAILABLE, INTERNAL,
                                  MODEL_SERVER_ERROR, UNKNOWN };

    private GieErrorCodes() {}

    /** Returns the error code of {@code r}, or {@code null} when it did not fail. */
    public static @Nullable String of(ExchangeRecord r) {
        final String detail = r.errorDetail();
        final int status = r.status();
        if (detail != null) {
            if (detail.startsWith("http_request_error")) {
                return detail.contains("client_disconnected") ? null : BAD_REQUEST;
            }
            if (detail.startsWith("destination_not_found")) {
                return NOT_FOUND;
            }
            if (detail.startsWith("destination_unavailable") || detail.startsWith("connection_refused")) {
                return SERVICE_UNAVAILABLE;
            }
            if (detail.startsWith("http_request_denied")) {
                return status == 429 ? RESOURCE_EXHAUSTED : status >= 500 ? INTERNAL : BAD_REQUEST;
            }
            if (detail.startsWith("proxy_internal_error")) {
                return INTERNAL;
            }
            if (detail.startsWith("http_response_timeout") || detail.startsWith("connection_terminated") ||
                detail.startsWith("http_response_incomplete")) {
                return MODEL_SERVER_ERROR;
            }
            return UNKNOWN;
        }
        if (status == 200) {
            return null;
        }
        if (r.endpoint() != null) {
            // GIE counts any status other than 200 from the model server; 1xx-3xx do not occur on these APIs.
            return status >= 200 && status < 300 ? null : MODEL_SERVER_ERROR;
        }
        if (status == 0) {
            return UNKNOWN;
        }
        if (status < 400) {
            return null;
        }
        return switch (status) {
            case 404 -> NOT_FOUND;
            case 429 -> RESOURCE_EXHAUSTED;
            case 503 -> SERVICE_UNAVAILABLE;
            default -> status < 500 ? BAD_REQUEST : INTERNAL;
        };
    }
}

package dev.sluice.observe;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Turns an exchange's {@code errorDetail} (RFC 9209 {@code Proxy-Status} style) into a bounded metric label.
 *
 * <p>The details the proxy produces form a small fixed set, except two that name the extension involved
 * ({@code details="extension NAME"} and {@code details="extension_failed NAME"}); the name is dropped from the label
 * (the access log keeps it). Any other string is kept as is up to {@value #MAX_OTHER} distinct values, then
 * reported as {@value #OTHER}, so a future or unexpected detail cannot grow the series without bound.
 */
public final class ErrorDetails {

    /** How many distinct details outside the known set become labels. */
    static final int MAX_OTHER = 32;
    /** The label of details beyond {@link #MAX_OTHER}. */
    static final String OTHER = "other";

    /** The details {@code Exchange} produces, with extension names removed. */
    static final Set<String> KNOWN = Set.of(
            "http_request_error; details=\"client_disconnected\"",
            "http_request_error; details=\"request_body_too_large\"",
            "http_request_error; details=\"malformed_request\"",
            "http_request_error; details=\"model_missing\"",
            "destination_not_found; details=\"no_route\"",
            "destination_unavailable; details=\"no_backend_with_weight\"",
            "destination_unavailable; details=\"pool_not_found\"",
            "destination_unavailable; details=\"failed_to_pick_backend\"",
            "connection_refused; details=\"all_endpoints_refused\"",
            "http_response_timeout",
            "connection_terminated; details=\"before_response_headers\"",
            "http_response_incomplete",
            "http_response_incomplete; details=\"upstream_reset\"",
            "http_request_denied; details=\"extension\"",
            "proxy_internal_error; details=\"extension_failed\"",
            "proxy_internal_error");

    private static final String DENIED = "http_request_denied; details=\"extension ";
    private static final String EXTENSION_FAILED = "proxy_internal_error; details=\"extension_failed ";

    private final Set<String> others = ConcurrentHashMap.newKeySet();

    /** Returns the label for {@code detail}, or {@code null} when there is none. */
    public @Nullable String label(@Nullable String detail) {
        if (detail == null) {
            return null;
        }
        if (KNOWN.contains(detail)) {
            return detail;
        }
        if (detail.startsWith(DENIED)) {
            return "http_request_denied; details=\"extension\"";
        }
        if (detail.startsWith(EXTENSION_FAILED)) {
            return "proxy_internal_error; details=\"extension_failed\"";
        }
        if (others.contains(detail)) {
            return detail;
        }
        if (others.size() < MAX_OTHER && detail.length() <= 200) {
            others.add(detail);
            return detail;
        }
        return OTHER;
    }
}

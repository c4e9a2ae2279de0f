package dev.sluice.extension;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpStatus;

/** What an extension decided: continue (possibly changing headers or body), or answer the client at once. */
public sealed interface ExtensionResult {

    /** Continue unchanged. */
    static ExtensionResult proceed() {
        return Continue.UNCHANGED;
    }

    /** Continue after setting these headers (replacing existing values). */
    static ExtensionResult setHeaders(Map<String, String> headers) {
        return new Continue(Map.copyOf(headers), List.of(), null);
    }

    /** Continue with {@code body} in place of the message's body. */
    static ExtensionResult replaceBody(HttpData body) {
        return new Continue(Map.of(), List.of(), requireNonNull(body, "body"));
    }

    /** Stop the chain and answer with this status, content type and body. */
    static ExtensionResult respond(HttpStatus status, String contentType, byte[] body) {
        return new ImmediateResponse(status, Map.of("content-type", contentType), HttpData.wrap(body));
    }

    /**
     * Continue, with header changes and an optional replacement body.
     *
     * @param setHeaders headers to set (names lower case)
     * @param removeHeaders headers to remove
     * @param body the new body, or {@code null} to keep it
     */
    record Continue(Map<String, String> setHeaders, List<String> removeHeaders, @Nullable HttpData body)
            implements ExtensionResult {
        static final Continue UNCHANGED = new Continue(Map.of(), List.of(), null);

        /** Returns whether this continues without any change. */
        public boolean isUnchanged() {
            return setHeaders.isEmpty() && removeHeaders.isEmpty() && body == null;
        }
    }

    /** Answer the client now; on a response event after headers were sent the stream is ended instead. */
    record ImmediateResponse(HttpStatus status, Map<String, String> headers, HttpData body)
            implements ExtensionResult {}
}

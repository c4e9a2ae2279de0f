package dev.sluice.extension;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;

/** What an extension sees at an event: headers, a piece of body, or trailers. */
public sealed interface ExtensionMessage {

    /** Returns the event this message belongs to. */
    ExtensionEvent event();

    /** Request or response headers (a {@code RequestHeaders} or {@code ResponseHeaders}). */
    record Headers(ExtensionEvent event, HttpHeaders headers) implements ExtensionMessage {}

    /**
     * A piece of body. The request body arrives whole ({@code endOfStream} true). A response body arrives as it
     * streams: for Server-Sent Events a run of whole events, with a last empty call whose {@code endOfStream} is true.
     */
    record Body(ExtensionEvent event, HttpData data, boolean endOfStream) implements ExtensionMessage {}

    /** Request or response trailers. */
    record Trailers(ExtensionEvent event, HttpHeaders trailers) implements ExtensionMessage {}
}

package dev.sluice.extension;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The six points of an exchange at which an extension can be called, named as in {@code supportedEvents}. */
public enum ExtensionEvent {
    REQUEST_HEADERS("RequestHeaders"),
    REQUEST_BODY("RequestBody"),
    REQUEST_TRAILERS("RequestTrailers"),
    RESPONSE_HEADERS("ResponseHeaders"),
    RESPONSE_BODY("ResponseBody"),
    RESPONSE_TRAILERS("ResponseTrailers");

    private final String configName;

    ExtensionEvent(String configName) {
        this.configName = configName;
    }

    /** Returns the name used in configuration, for example {@code RequestBody}. */
    public String configName() {
        return configName;
    }

    /** Returns whether the event happens after the response headers went to the client's side of the chain. */
    public boolean isResponse() {
        return ordinal() >= RESPONSE_HEADERS.ordinal();
    }

    /** Returns the event with the given configuration name. */
    public static ExtensionEvent ofConfigName(String name) {
        for (ExtensionEvent e : values()) {
            if (e.configName.equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("event: " + name + " (expected: one of " +
                                           Arrays.stream(values()).map(ExtensionEvent::configName)
                                                 .collect(Collectors.joining(", ")) + ')');
    }
}

package dev.sluice.extension;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;

import dev.sluice.extension.ExtensionResult.ImmediateResponse;

/** What running one event through a chain produced. */
public sealed interface ChainOutcome {

    /** Go on with these (possibly changed) headers and, for body events, body ({@code null} for header events). */
    record Proceed(HttpHeaders headers, @Nullable HttpData body) implements ChainOutcome {}

    /** An extension answered; the exchange ends with this response. */
    record Respond(String extension, ImmediateResponse response) implements ChainOutcome {}

    /** A fail-closed extension failed or timed out. */
    record Failed(String extension, Throwable cause) implements ChainOutcome {}
}

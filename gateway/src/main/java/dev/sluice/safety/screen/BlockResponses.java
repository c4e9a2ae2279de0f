package dev.sluice.safety.screen;

import java.util.Map;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpStatus;

import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.OpenAiErrors;
import dev.sluice.safety.Direction;
import dev.sluice.safety.template.SafetyTemplate;

/**
 * What a blocked exchange gets, as the GKE integration answers: the template's status (403 by default) with
 * {@code content-type: text/plain} and the OpenAI-style body
 * {@code {"error":{"type":"bad_request_error","message":"Malicious trial","param":"","code":""}}}, where a custom
 * message replaces {@code message} and a custom code (also the status) fills {@code code}. In a stream that already
 * started, the same body becomes the last {@code data:} event.
 */
final class BlockResponses {

    private BlockResponses() {}

    /** Returns the error body for a block of {@code direction} by {@code template}. */
    static byte[] body(SafetyTemplate template, Direction direction) {
        final SafetyTemplate.BlockError e = template.error(direction);
        // The observed GKE body puts "type" first; OpenAiErrors writes "message" first, which clients accept alike.
        return OpenAiErrors.body(e.message(), "bad_request_error", "",
                                 e.custom() ? String.valueOf(e.status()) : "");
    }

    /** Returns the immediate response that blocks the exchange. */
    static ExtensionResult result(SafetyTemplate template, Direction direction) {
        final SafetyTemplate.BlockError e = template.error(direction);
        return new ExtensionResult.ImmediateResponse(HttpStatus.valueOf(e.status()),
                                                     Map.of("content-type", "text/plain"),
                                                     HttpData.wrap(body(template, direction)));
    }
}

package dev.sluice.openai;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

/**
 * Builds the errors the gateway itself answers with, in the OpenAI shape
 * {@code {"error":{"message","type","param","code"}}}.
 */
public final class OpenAiErrors {

    private OpenAiErrors() {}

    /** Returns the JSON bytes of an OpenAI error body. */
    public static byte[] body(String message, String type, @Nullable String param, @Nullable String code) {
        final StringBuilder buf = new StringBuilder(96 + message.length());
        buf.append("{\"error\":{\"message\":\"");
        JsonEdits.appendEscaped(buf, message);
        buf.append("\",\"type\":\"");
        JsonEdits.appendEscaped(buf, type);
        buf.append("\",\"param\":");
        appendNullable(buf, param);
        buf.append(",\"code\":");
        appendNullable(buf, code);
        buf.append("}}");
        return buf.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Returns a complete error response. */
    public static HttpResponse response(HttpStatus status, String message, String type, @Nullable String param,
                                        @Nullable String code) {
        return HttpResponse.of(ResponseHeaders.of(status, "content-type", MediaType.JSON_UTF_8.toString()),
                               HttpData.wrap(body(message, type, param, code)));
    }

    /** 400: the body is not a valid request. */
    public static HttpResponse badRequest(String message, @Nullable String param) {
        return response(HttpStatus.BAD_REQUEST, message, "invalid_request_error", param, null);
    }

    /** 404: no route serves the model. */
    public static HttpResponse modelNotFound(String model) {
        return response(HttpStatus.NOT_FOUND, "The model `" + model + "` does not exist or is not served here.",
                        "invalid_request_error", "model", "model_not_found");
    }

    /** Returns an SSE {@code data:} event carrying an error object, used to end a stream that broke. */
    public static byte[] sseErrorEvent(String message, String type, String code) {
        return SseFrameSplitter.dataEvent(body(message, type, null, code));
    }

    private static void appendNullable(StringBuilder buf, @Nullable String s) {
        if (s == null) {
            buf.append("null");
        } else {
            buf.append('"');
            JsonEdits.appendEscaped(buf, s);
            buf.append('"');
        }
    }
}

package dev.sluice.simulator.internal;

import com.linecorp.armeria.common.HttpStatus;

/**
 * Ends a request with an OpenAI-style error body, the way vLLM's server writes it:
 * {@code {"error":{"message":...,"type":"NotFoundError","param":null,"code":404}}}.
 */
final class OpenAiError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static OpenAiError badRequest(String message) {
        return new OpenAiError(HttpStatus.BAD_REQUEST, message);
    }

    static OpenAiError modelNotFound(String model) {
        return new OpenAiError(HttpStatus.NOT_FOUND, "The model `" + model + "` does not exist.");
    }

    private final HttpStatus status;

    OpenAiError(HttpStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    HttpStatus status() {
        return status;
    }

    /** Returns the error type vLLM names after the OpenAI Python client's exception classes. */
    String type() {
        return switch (status.code()) {
            case 400 -> "BadRequestError";
            case 401 -> "AuthenticationError";
            case 403 -> "PermissionDeniedError";
            case 404 -> "NotFoundError";
            case 409 -> "ConflictError";
            case 422 -> "UnprocessableEntityError";
            case 429 -> "RateLimitError";
            default -> status.code() >= 500 ? "InternalServerError" : "BadRequestError";
        };
    }
}

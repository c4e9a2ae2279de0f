package dev.sluice.openai;

/** Signals a request body that is not a well-formed OpenAI request; the message says what is wrong. */
public final class MalformedRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the message shown to the client. */
    public MalformedRequestException(String message) {
        super(message, null, false, false);
    }
}

package dev.sluice.apim.limit;

/**
 * Thrown (as the cause of a failed admission) by a shared limiter configured to fail closed when its store cannot
 * decide in time; the extension answers it with a 503 fault instead of admitting the request uncounted.
 */
public final class RateLimiterUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception with the store's failure as cause. */
    public RateLimiterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

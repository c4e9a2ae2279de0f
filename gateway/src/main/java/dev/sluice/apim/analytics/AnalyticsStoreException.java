package dev.sluice.apim.analytics;

/** An analytics store failed; {@link #isTransient()} says whether the same write may succeed later. */
public final class AnalyticsStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean isTransient;

    /** Creates the exception. */
    public AnalyticsStoreException(String message, Throwable cause, boolean isTransient) {
        super(message, cause);
        this.isTransient = isTransient;
    }

    /** Returns whether the failure may go away by itself (a busy or unreachable database). */
    public boolean isTransient() {
        return isTransient;
    }
}

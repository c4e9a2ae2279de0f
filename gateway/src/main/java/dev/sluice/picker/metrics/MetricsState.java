package dev.sluice.picker.metrics;

/**
 * Tells whether an endpoint's scraped metrics can be trusted at the moment they are read.
 *
 * <p>Only {@link #FRESH} metrics describe the server; in every other state callers must treat the endpoint as
 * saturated (or unknown), as GIE's saturation detector does with stale metrics.
 */
public enum MetricsState {
    /** No scrape has finished yet. */
    UNKNOWN,
    /** The last successful scrape started within the staleness bound (later attempts may have failed). */
    FRESH,
    /** The last successful scrape is older than the staleness bound and the latest attempt did not fail. */
    STALE,
    /** The latest attempt failed and no successful scrape started within the staleness bound. */
    FAILED
}

/**
 * API management analytics: one {@link dev.sluice.apim.analytics.AnalyticsRecord} per request that went through the
 * {@code api-management} extension (Apigee's per-request dimensions and metrics, plus token counts), queued by an
 * {@link dev.sluice.apim.analytics.AnalyticsWriter} off the request path and written in batches by one thread into an
 * {@link dev.sluice.apim.analytics.AnalyticsStore} ({@link dev.sluice.apim.analytics.JdbcAnalyticsStore}: SQLite
 * in the data directory by default, the database of the extension's PostgreSQL key store when it has one), and
 * summarized by {@link dev.sluice.apim.analytics.AnalyticsQuery}.
 */
@NullMarked
package dev.sluice.apim.analytics;

import org.jspecify.annotations.NullMarked;

/**
 * API management analytics: one {@link dev.sluice.apim.analytics.AnalyticsRecord} per request that went through the
 * {@code api-management} extension (Apigee's per-request dimensions and metrics, plus token counts), queued by an
 * {@link dev.sluice.apim.analytics.AnalyticsWriter} off the request path and written in batches by one thread into an
 * {@link dev.sluice.apim.analytics.AnalyticsStore} ({@link dev.sluice.apim.analytics.JdbcAnalyticsStore}: SQLite by
 * default, PostgreSQL through a JDBC URL), and summarized by {@link dev.sluice.apim.analytics.AnalyticsQuery}.
 */
@NullMarked
package dev.sluice.apim.analytics;

import org.jspecify.annotations.NullMarked;

package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * Receives one record per admitted request once its token use is known: the feed that analytics (Apigee's
 * {@code api_product}, {@code developer_app}, {@code client_id} dimensions plus token counts) and billing build on.
 * Called on the request's event loop, at the end of its response body or of its exchange; it must not block.
 */
@FunctionalInterface
public interface UsageListener {

    /** A listener that ignores everything. */
    UsageListener NOOP = record -> {};

    /** Called once per admitted request. */
    void onSettled(UsageRecord record);

    /** How a request's token use became known. */
    enum Outcome {
        /** The response ended normally; tokens are from {@code usage} or counted. */
        COMPLETED,
        /** The model server answered with an error status; no tokens are charged. */
        UPSTREAM_ERROR,
        /** The exchange ended before its response was complete (a client that left): tokens generated so far. */
        ABANDONED_AFTER_RESPONSE,
        /** No model server answered (refused later in the chain, no route, no capacity, shed): no tokens. */
        ABANDONED_BEFORE_RESPONSE
    }

    /**
     * One request's use.
     *
     * @param usageReported whether the tokens came from the model server's {@code usage} rather than an estimate
     */
    record UsageRecord(String requestId, String product, String appId, String developerId, String keyId,
                       @Nullable String model, long inputTokens, long outputTokens, boolean usageReported,
                       Outcome outcome) {
        public UsageRecord {
            requireNonNull(requestId, "requestId");
            requireNonNull(product, "product");
            requireNonNull(appId, "appId");
            requireNonNull(developerId, "developerId");
            requireNonNull(keyId, "keyId");
            requireNonNull(outcome, "outcome");
        }
    }
}

package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * An API key's record. The key itself is never stored: only its SHA-256 hash (kept by the store) and a
 * {@code hint} of its last four characters, so that a listing can tell keys apart.
 *
 * @param id a stable id ({@code key_…}) used to revoke or rotate the key
 * @param expiresAt when the key stops working, or {@code null} for never
 * @param lastUsedAt when a request last used it (updated in batches), or {@code null}
 */
public record ApiKey(String id, String appId, String hint, Status status, Instant createdAt,
                     @Nullable Instant expiresAt, @Nullable Instant lastUsedAt) {

    /** A key's status. */
    public enum Status {
        APPROVED, REVOKED;

        /** Returns the lower-case name used on the command line and in JSON. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ApiKey {
        requireNonNull(id, "id");
        requireNonNull(appId, "appId");
        requireNonNull(hint, "hint");
        requireNonNull(status, "status");
        requireNonNull(createdAt, "createdAt");
    }

    /** Returns whether the key has expired at {@code now}. */
    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }
}

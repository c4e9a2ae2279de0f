package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * A developer who owns apps, as in Apigee; only an {@link Status#ACTIVE} developer's keys are accepted.
 *
 * @param id a stable id ({@code dev_…})
 * @param email unique among developers
 */
public record Developer(String id, String email, @Nullable String firstName, @Nullable String lastName,
                        Status status, Instant createdAt) {

    /** A developer's status. */
    public enum Status {
        ACTIVE, INACTIVE;

        /** Returns the lower-case name used on the command line and in JSON. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Developer {
        requireNonNull(id, "id");
        requireNonNull(email, "email");
        requireNonNull(status, "status");
        requireNonNull(createdAt, "createdAt");
    }
}

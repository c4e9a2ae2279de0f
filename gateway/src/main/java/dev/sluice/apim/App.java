package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * A developer's app: it holds keys and subscribes to API products by name, in order of preference (a request uses
 * the first product that covers it). Only an {@link Status#APPROVED} app's keys are accepted.
 *
 * @param id a stable id ({@code app_…}); quotas count per app unless a product says otherwise
 * @param name unique among the developer's apps
 */
public record App(String id, String developerId, String name, Status status, List<String> products,
                  Instant createdAt) {

    /** An app's status. */
    public enum Status {
        APPROVED, REVOKED;

        /** Returns the lower-case name used on the command line and in JSON. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public App {
        requireNonNull(id, "id");
        requireNonNull(developerId, "developerId");
        requireNonNull(name, "name");
        requireNonNull(status, "status");
        products = List.copyOf(products);
        requireNonNull(createdAt, "createdAt");
    }
}

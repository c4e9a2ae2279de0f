package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

/**
 * A key just created: its record and, this once, the key itself. The secret is not in {@link #toString()}, so
 * logging this object does not leak it.
 */
public record CreatedKey(ApiKey key, String secret) {

    public CreatedKey {
        requireNonNull(key, "key");
        requireNonNull(secret, "secret");
    }

    @Override
    public String toString() {
        return "CreatedKey{key=" + key + ", secret=…" + key.hint() + '}';
    }
}

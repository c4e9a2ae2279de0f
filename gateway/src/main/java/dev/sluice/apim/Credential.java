package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

/**
 * What a presented key resolves to: the key's record and hash, its app and the app's developer. This is what the
 * gateway caches per key hash.
 */
public record Credential(ApiKey key, byte[] keyHash, App app, Developer developer) {

    public Credential {
        requireNonNull(key, "key");
        requireNonNull(keyHash, "keyHash");
        requireNonNull(app, "app");
        requireNonNull(developer, "developer");
    }

    @Override
    public String toString() {
        return "Credential{key=" + key.id() + ", app=" + app.id() + ", developer=" + developer.id() + '}';
    }
}

package dev.sluice.apim.store;

import java.util.List;

/**
 * One step of a key store's schema. Versions start at 1 and increase by one; a released step is never edited, so a
 * store at any version can be brought forward by applying the steps after it.
 */
public record Migration(int version, String description, List<String> statements) {

    public Migration {
        statements = List.copyOf(statements);
        if (version < 1) {
            throw new IllegalArgumentException("version: " + version + " (expected: >= 1)");
        }
    }
}

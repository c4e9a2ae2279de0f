package dev.sluice.extension;

import dev.sluice.config.Resources.ExtensionSpec;

/** Creates a built-in {@link Extension} from its configuration; registered by service name. */
@FunctionalInterface
public interface ExtensionFactory {

    /** Returns an extension configured by {@code spec} (its metadata, events and timeout). */
    Extension create(ExtensionSpec spec);
}

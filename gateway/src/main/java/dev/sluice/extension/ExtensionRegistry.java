package dev.sluice.extension;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/** Built-in extensions by service name; configuration refers to them in {@code extensions[].service}. */
public final class ExtensionRegistry {

    private final Map<String, ExtensionFactory> factories = new TreeMap<>();

    /** Registers a built-in under {@code name}. */
    public ExtensionRegistry register(String name, ExtensionFactory factory) {
        requireNonNull(name, "name");
        requireNonNull(factory, "factory");
        if (factories.putIfAbsent(name, factory) != null) {
            throw new IllegalArgumentException("extension service already registered: " + name);
        }
        return this;
    }

    /** Returns a copy of this registry with {@code name} added. */
    public ExtensionRegistry with(String name, ExtensionFactory factory) {
        final ExtensionRegistry copy = new ExtensionRegistry();
        copy.factories.putAll(factories);
        return copy.register(name, factory);
    }

    /** Returns the registered names. */
    public Set<String> names() {
        return Set.copyOf(factories.keySet());
    }

    /** Returns the factory of {@code name}, or {@code null}. */
    public @Nullable ExtensionFactory factory(String name) {
        return factories.get(name);
    }
}

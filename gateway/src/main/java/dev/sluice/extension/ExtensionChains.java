package dev.sluice.extension;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.ExtensionChainSpec;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.TrafficExtensionSpec;

/**
 * The extension chains of one configuration, in the order they were declared; a request runs the first chain whose
 * condition matches, as with {@code GCPTrafficExtension}.
 */
public final class ExtensionChains {

    /** One configured extension with its instance and the events it handles. */
    public record Configured(ExtensionSpec spec, Extension extension, Set<ExtensionEvent> events) {}

    /** One compiled chain. */
    public record Chain(String name, RequestMatcher matcher, List<Configured> extensions) {
        /** Returns whether any extension of this chain handles {@code event}. */
        public boolean handles(ExtensionEvent event) {
            for (Configured c : extensions) {
                if (c.events().contains(event)) {
                    return true;
                }
            }
            return false;
        }

        /** Returns whether the chain lists the built-in {@code service} explicitly. */
        public boolean uses(String service) {
            return extensions.stream().anyMatch(c -> c.spec().service().equals(service));
        }
    }

    private static final ExtensionChains EMPTY = new ExtensionChains(List.of());

    private final List<Chain> chains;

    private ExtensionChains(List<Chain> chains) {
        this.chains = chains;
    }

    /** Returns chains that never match. */
    public static ExtensionChains empty() {
        return EMPTY;
    }

    /** Compiles the chains of {@code config}, creating each extension from the registry. */
    public static ExtensionChains of(GatewayConfig config, ExtensionRegistry registry) {
        final List<Chain> chains = new ArrayList<>();
        for (Resource<TrafficExtensionSpec> r : config.trafficExtensions()) {
            for (ExtensionChainSpec c : r.spec().extensionChains()) {
                final List<Configured> exts = new ArrayList<>();
                for (ExtensionSpec e : c.extensions()) {
                    final ExtensionFactory factory = registry.factory(e.service());
                    if (factory == null) {
                        throw new IllegalArgumentException(r.displayName() + ": service: " + e.service() +
                                                           " (expected: one of " + registry.names() + ')');
                    }
                    final EnumSet<ExtensionEvent> events = EnumSet.noneOf(ExtensionEvent.class);
                    e.supportedEvents().forEach(s -> events.add(ExtensionEvent.ofConfigName(s)));
                    exts.add(new Configured(e, factory.create(e), events));
                }
                chains.add(new Chain(r.metadata().name() + '/' + c.name(), RequestMatcher.compile(c.celMatchers()),
                                     List.copyOf(exts)));
            }
        }
        return chains.isEmpty() ? EMPTY : new ExtensionChains(List.copyOf(chains));
    }

    /** Returns whether there are no chains (so no request needs its headers prepared for CEL). */
    public boolean isEmpty() {
        return chains.isEmpty();
    }

    /** Returns the first chain matching the request, or {@code null}. */
    public @Nullable Chain select(String path, String method, String host, String scheme,
                                  Map<String, String> headers) {
        if (chains.isEmpty()) {
            return null;
        }
        final Map<String, Object> activation = RequestMatcher.activation(path, method, host, scheme, headers);
        for (Chain c : chains) {
            if (c.matcher().matches(activation)) {
                return c;
            }
        }
        return null;
    }
}

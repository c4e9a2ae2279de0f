package dev.sluice.picker;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Interns endpoints by address so their state survives configuration reloads. */
public final class EndpointDirectory {

    private final ConcurrentMap<String, Endpoint> endpoints = new ConcurrentHashMap<>();

    /** Returns the one endpoint for {@code host:port}. */
    public Endpoint get(String host, int port) {
        return endpoints.computeIfAbsent(host + '|' + port, k -> new Endpoint(host, port));
    }

    /** Returns every endpoint seen so far. */
    public java.util.Collection<Endpoint> all() {
        return endpoints.values();
    }
}

package dev.sluice.picker.metrics;

import static java.util.Objects.requireNonNull;

import dev.sluice.picker.Endpoint;

/**
 * Names one endpoint to scrape: the authority its results are stored under, where its metrics are served, and its
 * engine.
 *
 * <p>The metrics address may differ from the endpoint's: Triton serves {@code /metrics} on port 8002, apart from
 * its inference port.
 *
 * @param authority the endpoint's {@code host:port}, the key in {@link EndpointMetricsStore}
 * @param host the host serving the metrics
 * @param port the port serving the metrics
 * @param path the metrics path, starting with {@code /}
 * @param engine how to read the metrics
 */
public record ScrapeTarget(String authority, String host, int port, String path, EngineMetricsMapping engine) {

    /** The default metrics path. */
    public static final String DEFAULT_PATH = "/metrics";

    public ScrapeTarget {
        requireNonNull(authority, "authority");
        requireNonNull(host, "host");
        requireNonNull(path, "path");
        requireNonNull(engine, "engine");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a non-blank host)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path: '" + path + "' (expected: a path starting with '/')");
        }
    }

    /** Returns a target scraping {@code endpoint}'s own host and port at {@value #DEFAULT_PATH}. */
    public static ScrapeTarget of(Endpoint endpoint, EngineMetricsMapping engine) {
        requireNonNull(endpoint, "endpoint");
        return new ScrapeTarget(endpoint.authority(), endpoint.host(), endpoint.port(), DEFAULT_PATH, engine);
    }

    /** Returns a copy that scrapes {@code port} instead. */
    public ScrapeTarget withPort(int port) {
        return new ScrapeTarget(authority, host, port, path, engine);
    }

    /** Returns a copy that scrapes {@code path} instead. */
    public ScrapeTarget withPath(String path) {
        return new ScrapeTarget(authority, host, port, path, engine);
    }

    /** Returns the URL scraped, {@code http://host:port/path}. */
    public String url() {
        final String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? '[' + host + ']' : host;
        return "http://" + h + ':' + port + path;
    }
}

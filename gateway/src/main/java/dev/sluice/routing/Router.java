package dev.sluice.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.BackendRef;
import dev.sluice.config.Resources.HeaderMatch;
import dev.sluice.config.Resources.HttpRouteSpec;
import dev.sluice.config.Resources.PathMatch;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.RouteMatch;
import dev.sluice.config.Resources.RouteRule;
import dev.sluice.config.Resources.RouteTimeouts;

/**
 * Matches requests to {@code HTTPRoute} rules with Gateway API precedence and picks a weighted backend.
 *
 * <p>All matches of all routes are flattened and sorted once per configuration: an Exact path beats a PathPrefix,
 * longer prefixes beat shorter ones (regular expressions come after prefixes), then a match with a method beats
 * one without, then more header matches win, then the route read first, then the rule and match order. The first
 * match that holds wins, so the hot path is a scan of a short sorted list.
 */
public final class Router {

    /**
     * The outcome of routing: the rule that matched and the backend chosen among its weighted refs, or a
     * {@code null} backend when every ref of the rule has weight 0.
     */
    public record Decision(String route, int ruleIndex, @Nullable BackendRef backend,
                           @Nullable RouteTimeouts timeouts) {}

    private record CompiledMatch(String route, int routeOrder, int ruleIndex, int matchIndex, List<String> hostnames,
                                 String pathType, String pathValue, @Nullable Pattern pathPattern,
                                 @Nullable String method, List<HeaderMatcher> headers, RouteRule rule) {}

    private record HeaderMatcher(String name, @Nullable String exact, @Nullable Pattern pattern) {
        boolean matches(RequestHeaders headers, Map<String, String> overlay) {
            String v = overlay.get(name);
            if (v == null) {
                v = headers.get(name);
            }
            if (v == null) {
                return false;
            }
            return exact != null ? exact.equals(v) : pattern.matcher(v).matches();
        }
    }

    private final List<CompiledMatch> matches;

    private Router(List<CompiledMatch> matches) {
        this.matches = matches;
    }

    /** Compiles the routes of {@code config}. */
    public static Router of(GatewayConfig config) {
        final List<CompiledMatch> all = new ArrayList<>();
        int routeOrder = 0;
        for (Resource<HttpRouteSpec> route : config.httpRoutes()) {
            final List<RouteRule> rules = route.spec().rules();
            for (int r = 0; r < rules.size(); r++) {
                final RouteRule rule = rules.get(r);
                final List<RouteMatch> ms = rule.matches().isEmpty()
                                            ? List.of(new RouteMatch(new PathMatch("PathPrefix", "/"), List.of(),
                                                                     null))
                                            : rule.matches();
                for (int m = 0; m < ms.size(); m++) {
                    all.add(compile(route, routeOrder, r, m, ms.get(m), rule));
                }
            }
            routeOrder++;
        }
        all.sort(PRECEDENCE);
        return new Router(List.copyOf(all));
    }

    private static CompiledMatch compile(Resource<HttpRouteSpec> route, int order, int ruleIndex, int matchIndex,
                                         RouteMatch m, RouteRule rule) {
        final PathMatch path = m.path() != null ? m.path() : new PathMatch("PathPrefix", "/");
        final String type = path.type();
        String value = path.value();
        if ("PathPrefix".equals(type) && value.length() > 1 && value.endsWith("/")) {
            value = value.substring(0, value.length() - 1);
        }
        final Pattern pattern = "RegularExpression".equals(type) ? Pattern.compile(value) : null;
        final List<HeaderMatcher> headers = m.headers().stream().map(Router::headerMatcher).toList();
        return new CompiledMatch(route.metadata().name(), order, ruleIndex, matchIndex, route.spec().hostnames(),
                                 type, value, pattern, m.method(), headers, rule);
    }

    private static HeaderMatcher headerMatcher(HeaderMatch h) {
        final String name = h.name().toLowerCase(Locale.ROOT);
        return "RegularExpression".equals(h.type()) ? new HeaderMatcher(name, null, Pattern.compile(h.value()))
                                                     : new HeaderMatcher(name, h.value(), null);
    }

    private static final Comparator<CompiledMatch> PRECEDENCE =
            Comparator.<CompiledMatch>comparingInt(c -> pathRank(c.pathType()))
                      .thenComparing(c -> -c.pathValue().length())
                      .thenComparingInt(c -> c.method() != null ? 0 : 1)
                      .thenComparingInt(c -> -c.headers().size())
                      .thenComparingInt(CompiledMatch::routeOrder)
                      .thenComparingInt(CompiledMatch::ruleIndex)
                      .thenComparingInt(CompiledMatch::matchIndex);

    private static int pathRank(String type) {
        return switch (type) {
            case "Exact" -> 0;
            case "PathPrefix" -> 1;
            default -> 2;
        };
    }

    /** Returns the decision for a request, or {@code null} when no rule matches. */
    public @Nullable Decision route(RequestHeaders headers, RandomGenerator random) {
        return route(headers, Map.of(), random);
    }

    /**
     * Returns the decision for a request whose headers are {@code headers} plus {@code overlay} (lower-case names,
     * taking precedence), or {@code null} when no rule matches.
     */
    public @Nullable Decision route(RequestHeaders headers, Map<String, String> overlay, RandomGenerator random) {
        final CompiledMatch m = match(headers, overlay);
        if (m == null) {
            return null;
        }
        final BackendRef backend = WeightedChoice.pick(m.rule().backendRefs(), BackendRef::weight, random, false);
        return new Decision(m.route(), m.ruleIndex(), backend, m.rule().timeouts());
    }

    private @Nullable CompiledMatch match(RequestHeaders headers, Map<String, String> overlay) {
        final String path = pathOnly(headers.path());
        final String method = headers.method().name();
        final String host = hostOnly(headers.authority());
        for (CompiledMatch m : matches) {
            if (!m.hostnames().isEmpty() && !hostMatches(m.hostnames(), host)) {
                continue;
            }
            if (!pathMatches(m, path)) {
                continue;
            }
            if (m.method() != null && !m.method().equals(method)) {
                continue;
            }
            boolean ok = true;
            for (HeaderMatcher h : m.headers()) {
                if (!h.matches(headers, overlay)) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                return m;
            }
        }
        return null;
    }

    private static boolean pathMatches(CompiledMatch m, String path) {
        return switch (m.pathType()) {
            case "Exact" -> path.equals(m.pathValue());
            case "PathPrefix" -> {
                final String prefix = m.pathValue();
                if ("/".equals(prefix)) {
                    yield true;
                }
                // Prefixes match whole path elements: /v1 matches /v1 and /v1/models, not /v1beta.
                yield path.startsWith(prefix) &&
                      (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
            }
            default -> m.pathPattern().matcher(path).matches();
        };
    }

    private static boolean hostMatches(List<String> hostnames, @Nullable String host) {
        if (host == null) {
            return false;
        }
        for (String h : hostnames) {
            if (h.startsWith("*.") ? host.endsWith(h.substring(1)) : h.equalsIgnoreCase(host)) {
                return true;
            }
        }
        return false;
    }

    static String pathOnly(String pathAndQuery) {
        final int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    private static @Nullable String hostOnly(@Nullable String authority) {
        if (authority == null) {
            return null;
        }
        final int colon = authority.lastIndexOf(':');
        return colon > 0 && authority.indexOf(']') < colon ? authority.substring(0, colon) : authority;
    }
}

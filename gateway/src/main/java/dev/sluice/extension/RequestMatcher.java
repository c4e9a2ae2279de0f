package dev.sluice.extension;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.sluice.config.CelMatchers;

/**
 * A chain's {@code matchCondition}: CEL expressions over {@code request.path}, {@code request.method},
 * {@code request.host}, {@code request.scheme} and {@code request.headers} (lower-case names); the condition holds
 * when any expression is true, and an empty list always holds.
 *
 * <p>Expressions are compiled once per configuration; one that fails at run time (a header that is not there, say)
 * counts as false rather than failing the request.
 */
public final class RequestMatcher {

    private final List<Predicate<Map<String, ?>>> programs;

    private RequestMatcher(List<Predicate<Map<String, ?>>> programs) {
        this.programs = programs;
    }

    /** Compiles the expressions, or throws {@link IllegalArgumentException} with CEL's message. */
    public static RequestMatcher compile(List<String> expressions) {
        return new RequestMatcher(expressions.stream().map(CelMatchers::program).toList());
    }

    /** Returns whether the request (as built by {@link #activation}) satisfies the condition. */
    public boolean matches(Map<String, Object> request) {
        if (programs.isEmpty()) {
            return true;
        }
        for (Predicate<Map<String, ?>> p : programs) {
            if (p.test(request)) {
                return true;
            }
        }
        return false;
    }

    /** Builds the {@code request} variable the expressions see. */
    public static Map<String, Object> activation(String path, String method, String host, String scheme,
                                                 Map<String, String> headers) {
        return Map.of("path", path, "method", method, "host", host, "scheme", scheme, "headers", headers);
    }
}

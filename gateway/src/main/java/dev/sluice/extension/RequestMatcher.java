package dev.sluice.extension;

import java.util.List;
import java.util.Map;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

/**
 * A chain's {@code matchCondition}: CEL expressions over {@code request.path}, {@code request.method},
 * {@code request.host}, {@code request.scheme} and {@code request.headers} (lower-case names); the condition holds
 * when any expression is true, and an empty list always holds.
 *
 * <p>Expressions are compiled once per configuration; an expression that fails at run time (a header that is not
 * there, say) counts as false rather than failing the request.
 */
public final class RequestMatcher {

    private static final CelCompiler COMPILER =
            CelCompilerFactory.standardCelCompilerBuilder()
                              .addVar("request", MapType.create(SimpleType.STRING, SimpleType.DYN))
                              .setResultType(SimpleType.BOOL)
                              .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private final List<CelRuntime.Program> programs;

    private RequestMatcher(List<CelRuntime.Program> programs) {
        this.programs = programs;
    }

    /** Compiles the expressions, or throws {@link IllegalArgumentException} with CEL's message. */
    public static RequestMatcher compile(List<String> expressions) {
        return new RequestMatcher(expressions.stream().map(RequestMatcher::program).toList());
    }

    private static CelRuntime.Program program(String expression) {
        try {
            final CelAbstractSyntaxTree ast = COMPILER.compile(expression).getAst();
            return RUNTIME.createProgram(ast);
        } catch (CelValidationException e) {
            throw new IllegalArgumentException("celMatcher: " + expression + ": " + e.getMessage(), e);
        } catch (CelEvaluationException e) {
            throw new IllegalArgumentException("celMatcher: " + expression + ": " + e.getMessage(), e);
        }
    }

    /** Returns whether the request (as built by {@link #activation}) satisfies the condition. */
    public boolean matches(Map<String, Object> request) {
        if (programs.isEmpty()) {
            return true;
        }
        final Map<String, Object> vars = Map.of("request", request);
        for (CelRuntime.Program p : programs) {
            try {
                if (Boolean.TRUE.equals(p.eval(vars))) {
                    return true;
                }
            } catch (CelEvaluationException e) {
                // A missing header or a type mismatch: this expression does not match.
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

package dev.sluice.config;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

/**
 * Compiles and evaluates the CEL match conditions of extension chains
 * ({@code extensionChains[].matchCondition.celExpressions[].celMatcher}).
 *
 * <p>Expressions see one variable, {@code request}, a map with the string keys {@code path}, {@code method},
 * {@code host}, {@code scheme} and {@code headers} (a map from lower-case header name to value), as in
 * {@code request.headers["x-api-key"] != ""} or {@code request.path.startsWith("/v1/")}. The same compiler checks
 * configuration at load time and builds the programs the extension chain runs, so an expression that loads also
 * runs.
 */
public final class CelMatchers {

    /** The name of the single variable CEL match conditions see. */
    public static final String REQUEST = "request";

    // Both are immutable and thread-safe; building them costs milliseconds, so share one of each.
    private static final CelCompiler COMPILER =
            CelCompilerFactory.standardCelCompilerBuilder()
                              .addVar(REQUEST, MapType.create(SimpleType.STRING, SimpleType.DYN))
                              .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private CelMatchers() {}

    /**
     * Compiles and type-checks a match condition.
     *
     * @throws IllegalArgumentException if the expression does not parse, does not type-check, or is not boolean;
     *                                  the message is one line and says why
     */
    public static CelAbstractSyntaxTree compile(String expression) {
        requireNonNull(expression, "expression");
        final CelValidationResult result = COMPILER.compile(expression);
        if (result.hasError()) {
            throw new IllegalArgumentException(describe(result));
        }
        final CelAbstractSyntaxTree ast;
        try {
            ast = result.getAst();
        } catch (Exception e) {
            // hasError() was false, so this should not happen; keep the CEL message if it does.
            throw new IllegalArgumentException(String.valueOf(e.getMessage()).replace('\n', ' '), e);
        }
        // A dyn result (for example request.path) could be anything at run time; a condition must be a bool.
        if (!SimpleType.BOOL.equals(ast.getResultType())) {
            throw new IllegalArgumentException("the result type is " + ast.getResultType().name() +
                                               ", not bool");
        }
        return ast;
    }

    /**
     * Returns a predicate that evaluates a match condition against a {@code request} map (see the class comment).
     *
     * <p>The predicate returns {@code false} when evaluation fails, for example when the expression reads a header
     * the request does not have ({@code request.headers["x-a"]}); use {@code "x-a" in request.headers} to test for
     * presence.
     *
     * @throws IllegalArgumentException if the expression does not compile (see {@link #compile(String)})
     */
    public static Predicate<Map<String, ?>> program(String expression) {
        final CelAbstractSyntaxTree ast = compile(expression);
        final CelRuntime.Program program;
        try {
            program = RUNTIME.createProgram(ast);
        } catch (CelEvaluationException e) {
            throw new IllegalArgumentException(String.valueOf(e.getMessage()).replace('\n', ' '), e);
        }
        return request -> {
            requireNonNull(request, "request");
            try {
                return Boolean.TRUE.equals(program.eval(Map.of(REQUEST, request)));
            } catch (CelEvaluationException e) {
                return false;
            }
        };
    }

    private static String describe(CelValidationResult result) {
        return result.getErrors().stream().map(CelMatchers::describe).collect(Collectors.joining("; "));
    }

    private static String describe(CelIssue issue) {
        final int column = issue.getSourceLocation().getColumn();
        // CEL columns are 0-based; people count from 1.
        return column >= 0 ? issue.getMessage() + " at column " + (column + 1) : issue.getMessage();
    }
}

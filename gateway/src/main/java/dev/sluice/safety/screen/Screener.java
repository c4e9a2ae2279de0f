package dev.sluice.safety.screen;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.config.Resources.SafetyGuardSpec;
import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.SafetyScanner;
import dev.sluice.safety.guard.Guard;
import dev.sluice.safety.template.Detections;
import dev.sluice.safety.template.SafetyTemplate;
import dev.sluice.safety.template.Sanitization;
import dev.sluice.safety.template.TemplateEvaluator;

/**
 * Screens a text with a template: the detectors run on a blocking executor (never on an event loop), the template's
 * guard (if any) is called at the same time, their detections are merged and the template applied.
 *
 * <p>A guard that fails or times out is skipped when its {@code failOpen} is true (the result's invocation is then
 * PARTIAL); otherwise the returned future fails with {@link GuardFailedException}, and the caller's own failure
 * handling applies (the extension chain's {@code failOpen}, a 503 from the sanitize API).
 */
public final class Screener {

    private static final Logger logger = LoggerFactory.getLogger(Screener.class);

    /** Thrown (as the cause of a failed future) when a fail-closed guard could not answer. */
    public static final class GuardFailedException extends RuntimeException {
        GuardFailedException(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    /** A screened text: the template's result and how long screening took. */
    public record Screened(Sanitization result, long nanos) {}

    private final SafetyScanner scanner;
    private final Executor executor;
    private final Function<SafetyGuardSpec, Guard> guards;
    private final java.util.function.Supplier<SafetyMetrics> metrics;

    /**
     * Creates a screener.
     *
     * @param scanner the in-process detectors
     * @param executor where scans run (a blocking executor)
     * @param guards builds (and may cache) the guard a template names
     * @param metrics where results are recorded (read per call, so it may be swapped once the server is up)
     */
    public Screener(SafetyScanner scanner, Executor executor, Function<SafetyGuardSpec, Guard> guards,
                    java.util.function.Supplier<SafetyMetrics> metrics) {
        this.scanner = requireNonNull(scanner, "scanner");
        this.executor = requireNonNull(executor, "executor");
        this.guards = requireNonNull(guards, "guards");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    /** Screens {@code text} with {@code template}; the future completes off the caller's thread. */
    public CompletableFuture<Screened> screen(SafetyTemplate template, String text, Direction direction) {
        final long start = System.nanoTime();
        final CompletableFuture<Detection> local =
                CompletableFuture.supplyAsync(() -> scanner.scan(text, direction, template.filters()), executor);
        final SafetyGuardSpec spec = template.guard();
        final CompletableFuture<GuardAnswer> remote;
        if (spec == null) {
            remote = CompletableFuture.completedFuture(GuardAnswer.NONE);
        } else {
            final Guard guard = guards.apply(spec);
            CompletableFuture<Detection> call;
            try {
                call = guard.check(text, direction, template.filters());
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            remote = call.orTimeout(spec.timeout().toNanos(), TimeUnit.NANOSECONDS).handle((d, cause) -> {
                if (cause == null) {
                    metrics.get().guardCall(guard.kind(), "ok");
                    return new GuardAnswer(d, null);
                }
                final Throwable t = cause instanceof CompletionException && cause.getCause() != null
                                    ? cause.getCause() : cause;
                final String why = "guard " + guard.kind() + " failed: " +
                                   (t instanceof java.util.concurrent.TimeoutException
                                    ? "timed out after " + spec.timeout().toMillis() + " ms" : String.valueOf(t));
                if (spec.failOpen()) {
                    metrics.get().guardCall(guard.kind(), "failed_open");
                    logger.warn("safety template {}: {} (failing open)", template.name(), why);
                    return new GuardAnswer(Detection.NONE, why);
                }
                metrics.get().guardCall(guard.kind(), "failed");
                throw new GuardFailedException(why, t);
            });
        }
        return local.thenCombine(remote, (d, g) -> {
            Sanitization s = TemplateEvaluator.evaluate(template, text, Detections.merge(d, g.detection()));
            if (g.failure() != null) {
                s = partial(s);
            }
            final long nanos = System.nanoTime() - start;
            metrics.get().screened(s, direction, nanos);
            return new Screened(s, nanos);
        });
    }

    private static Sanitization partial(Sanitization s) {
        return new Sanitization(s.template(), s.matched(), s.csam(), s.maliciousUris(), s.maliciousUriItems(),
                                s.rai(), s.raiTypes(), s.piAndJailbreak(), s.sdp(),
                                Sanitization.Invocation.PARTIAL, s.ignorePartialInvocationFailures());
    }

    private record GuardAnswer(Detection detection, @Nullable String failure) {
        static final GuardAnswer NONE = new GuardAnswer(Detection.NONE, null);
    }

    /** Returns the executor scans run on. */
    Executor executor() {
        return executor;
    }
}

package dev.sluice.extension;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpHeadersBuilder;

import dev.sluice.extension.ExtensionChains.Chain;
import dev.sluice.extension.ExtensionChains.Configured;
import dev.sluice.extension.ExtensionResult.Continue;
import dev.sluice.extension.ExtensionResult.ImmediateResponse;

/**
 * Runs one event of one request through a chain: the extensions that handle the event are called in order, each seeing
 * what the previous one changed, each bounded by its {@code timeout}.
 *
 * <p>A call that fails or times out is skipped when its extension is {@code failOpen}; otherwise the event ends in
 * {@link ChainOutcome.Failed} and the caller fails the exchange (500 before response headers, a reset after).
 * Every continuation runs on {@code executor} (the request's event loop), so extensions and the relay never race.
 */
public final class ChainRunner {

    /** Receives one record per extension call, for metrics and access logs. */
    @FunctionalInterface
    public interface CallListener {
        /** Called after each extension call with its outcome: ok, immediate, failed-open, failed or timeout. */
        void onCall(String extension, ExtensionEvent event, String outcome, long nanos);
    }

    private final Chain chain;
    private final ExtensionCall call;
    private final Executor executor;
    private final CallListener listener;

    /** Creates a runner for one request. */
    public ChainRunner(Chain chain, ExtensionCall call, Executor executor, CallListener listener) {
        this.chain = chain;
        this.call = call;
        this.executor = executor;
        this.listener = listener;
    }

    /** Returns the chain this runner runs. */
    public Chain chain() {
        return chain;
    }

    /** Returns whether any extension of the chain handles {@code event}. */
    public boolean handles(ExtensionEvent event) {
        return chain.handles(event);
    }

    /** Runs a header or trailer event; {@link ChainOutcome.Proceed#headers()} carries the resulting headers. */
    public CompletableFuture<ChainOutcome> runHeaders(ExtensionEvent event, HttpHeaders headers) {
        return run(event, headers, null, true, 0);
    }

    /**
     * Runs a body event; {@link ChainOutcome.Proceed#body()} carries the resulting body and
     * {@link ChainOutcome.Proceed#headers()} the headers of that direction after any changes extensions made to them.
     */
    public CompletableFuture<ChainOutcome> runBody(ExtensionEvent event, HttpHeaders headers, HttpData body,
                                                   boolean endOfStream) {
        return run(event, headers, body, endOfStream, 0);
    }

    private CompletableFuture<ChainOutcome> run(ExtensionEvent event, HttpHeaders headers,
                                                @Nullable HttpData body, boolean endOfStream, int from) {
        final List<Configured> exts = chain.extensions();
        for (int i = from; i < exts.size(); i++) {
            final Configured c = exts.get(i);
            if (!c.events().contains(event)) {
                continue;
            }
            final int next = i + 1;
            final ExtensionMessage message =
                    body == null ? headerMessage(event, headers) : new ExtensionMessage.Body(event, body,
                                                                                            endOfStream);
            return callOne(c, message).thenComposeAsync(result -> {
                if (result instanceof Failed f) {
                    return CompletableFuture.completedFuture(f.outcome);
                }
                if (result instanceof ImmediateResponse r) {
                    return CompletableFuture.completedFuture(new ChainOutcome.Respond(c.spec().name(), r));
                }
                final Continue cont = (Continue) result;
                if (cont.isUnchanged()) {
                    return run(event, headers, body, endOfStream, next);
                }
                final HttpHeaders newHeaders = mutate(headers, cont);
                final HttpData newBody = body != null && cont.body() != null ? cont.body() : body;
                return run(event, newHeaders, newBody, endOfStream, next);
            }, executor);
        }
        return CompletableFuture.completedFuture(new ChainOutcome.Proceed(headers, body));
    }

    private static ExtensionMessage headerMessage(ExtensionEvent event, HttpHeaders headers) {
        return event == ExtensionEvent.REQUEST_TRAILERS || event == ExtensionEvent.RESPONSE_TRAILERS
               ? new ExtensionMessage.Trailers(event, headers) : new ExtensionMessage.Headers(event, headers);
    }

    /** A fail-closed failure, carried through the result future to stop the chain. */
    private record Failed(ChainOutcome.Failed outcome) {}

    private CompletableFuture<Object> callOne(Configured c, ExtensionMessage message) {
        final String name = c.spec().name();
        final long start = System.nanoTime();
        call.enter(name, c.spec().metadata());
        CompletableFuture<ExtensionResult> future;
        try {
            future = c.extension().handle(call, message);
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        return future.orTimeout(c.spec().timeout().toNanos(), TimeUnit.NANOSECONDS)
                     .handle((result, cause) -> {
                         final long nanos = System.nanoTime() - start;
                         if (cause == null && result != null) {
                             listener.onCall(name, message.event(),
                                             result instanceof ImmediateResponse ? "immediate" : "ok", nanos);
                             return (Object) result;
                         }
                         final Throwable t = cause instanceof CompletionException && cause.getCause() != null
                                             ? cause.getCause() : cause;
                         final boolean timeout = t instanceof TimeoutException;
                         if (c.spec().failOpen()) {
                             listener.onCall(name, message.event(), "failed_open", nanos);
                             return ExtensionResult.proceed();
                         }
                         listener.onCall(name, message.event(), timeout ? "timeout" : "failed", nanos);
                         final Throwable reported = t != null ? t : new IllegalStateException("null result");
                         return new Failed(new ChainOutcome.Failed(name, reported));
                     });
    }

    private static HttpHeaders mutate(HttpHeaders headers, Continue cont) {
        if (cont.setHeaders().isEmpty() && cont.removeHeaders().isEmpty()) {
            return headers;
        }
        final HttpHeadersBuilder b = headers.toBuilder();
        cont.removeHeaders().forEach(b::remove);
        cont.setHeaders().forEach(b::set);
        return b.build();
    }
}

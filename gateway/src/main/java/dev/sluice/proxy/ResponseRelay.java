package dev.sluice.proxy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.stream.StreamMessage;
import com.linecorp.armeria.common.util.Exceptions;

import io.netty.util.concurrent.EventExecutor;

/**
 * Pumps an upstream response body to the client one chunk at a time, through a {@link ChunkProcessor}.
 *
 * <p>Backpressure, step by step: (1) request one chunk from upstream; (2) process it (maybe asynchronously, e.g. an
 * extension call); (3) write the output to the client; (4) wait until the client's connection has taken it
 * ({@link HttpResponseWriter#whenConsumed()}); (5) go to (1). A slow client therefore slows the model server's
 * socket reads instead of filling the gateway's memory. If the client goes away, the upstream subscription is
 * cancelled, which resets the upstream request so the model server stops generating.
 *
 * <p>Every callback runs on the request's event loop, so the processor needs no locking.
 */
final class ResponseRelay implements Subscriber<HttpData> {

    /** Transforms the body as it flows. */
    interface ChunkProcessor {
        /** Returns what to write for one upstream chunk (possibly nothing, possibly more than one piece). */
        CompletableFuture<List<HttpData>> onChunk(HttpData chunk);

        /** Returns what to write when the upstream body ended normally. */
        CompletableFuture<List<HttpData>> onEnd();

        /**
         * Returns the last bytes to write when upstream failed mid-body (an SSE error event, say), or {@code null} to
         * reset the client's stream instead.
         */
        @Nullable HttpData onUpstreamFailure(Throwable cause);

        /** Returns the trailers to send after the body, or {@code null} for none. */
        CompletableFuture<@Nullable HttpHeaders> onTrailers(HttpHeaders upstreamTrailers);
    }

    private final HttpResponseWriter writer;
    private final ChunkProcessor processor;
    private final Executor eventLoop;
    private final CompletableFuture<HttpHeaders> upstreamTrailers;
    private final CompletableFuture<@Nullable Throwable> done = new CompletableFuture<>();
    private @Nullable Subscription subscription;
    /** Serialises processing: onComplete may arrive while the last chunk is still being processed. */
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
    private boolean finished;

    private ResponseRelay(HttpResponseWriter writer, ChunkProcessor processor, Executor eventLoop,
                          CompletableFuture<HttpHeaders> upstreamTrailers) {
        this.writer = writer;
        this.processor = processor;
        this.eventLoop = eventLoop;
        this.upstreamTrailers = upstreamTrailers;
    }

    /**
     * Starts relaying {@code body} into {@code writer} (whose headers are already written) and returns a future that
     * completes when the relay ends: with {@code null} on success, else the cause.
     */
    static CompletableFuture<@Nullable Throwable> start(StreamMessage<HttpData> body,
                                                        CompletableFuture<HttpHeaders> trailers,
                                                        HttpResponseWriter writer, ChunkProcessor processor,
                                                        EventExecutor eventLoop) {
        final ResponseRelay relay = new ResponseRelay(writer, processor, eventLoop, trailers);
        writer.whenComplete().handle((unused, cause) -> {
            if (cause != null) {
                relay.clientGone(cause);
            }
            return null;
        });
        body.subscribe(relay, eventLoop);
        return relay.done;
    }

    @Override
    public void onSubscribe(Subscription s) {
        subscription = s;
        if (finished) {
            s.cancel();
            return;
        }
        s.request(1);
    }

    @Override
    public void onNext(HttpData chunk) {
        tail = tail.thenCompose(unused -> processor.onChunk(chunk))
                   .thenAcceptAsync(out -> {
                       if (finished) {
                           return;
                       }
                       if (!writeAll(out)) {
                           return;
                       }
                       writer.whenConsumed().thenRun(() -> {
                           if (!finished && subscription != null) {
                               subscription.request(1);
                           }
                       });
                   }, eventLoop)
                   .exceptionally(this::failFromProcessor);
    }

    @Override
    public void onError(Throwable cause) {
        tail = tail.thenRunAsync(() -> {
            if (finished) {
                return;
            }
            final HttpData last = processor.onUpstreamFailure(cause);
            finished = true;
            if (last != null) {
                writer.tryWrite(last);
                writer.close();
            } else {
                writer.abort(cause);
            }
            done.complete(cause);
        }, eventLoop);
    }

    @Override
    public void onComplete() {
        tail = tail.thenCompose(unused -> processor.onEnd())
                   .thenAcceptAsync(out -> {
                       if (finished || !writeAll(out)) {
                           return;
                       }
                       upstreamTrailers.thenCompose(processor::onTrailers).handleAsync((t, cause) -> {
                           if (finished) {
                               return null;
                           }
                           if (cause != null) {
                               failFromProcessor(cause);
                               return null;
                           }
                           if (t != null && !t.isEmpty()) {
                               writer.tryWrite(t);
                           }
                           finished = true;
                           writer.close();
                           done.complete(null);
                           return null;
                       }, eventLoop);
                   }, eventLoop)
                   .exceptionally(this::failFromProcessor);
    }

    private boolean writeAll(List<HttpData> out) {
        for (HttpData d : out) {
            if (!d.isEmpty() && !writer.tryWrite(d)) {
                // The client is gone; clientGone() cleans up.
                return false;
            }
        }
        return true;
    }

    /** A processor ended the stream after headers were sent: an error event and close, or a reset. */
    private @Nullable Void failFromProcessor(Throwable cause) {
        final Throwable t = Exceptions.peel(cause);
        if (!finished) {
            finished = true;
            if (subscription != null) {
                subscription.cancel();
            }
            if (t instanceof StreamTermination term && term.lastData() != null) {
                writer.tryWrite(term.lastData());
                writer.close();
            } else {
                writer.abort(t);
            }
            done.complete(t);
        }
        return null;
    }

    private void clientGone(Throwable cause) {
        eventLoop.execute(() -> {
            if (finished) {
                return;
            }
            finished = true;
            if (subscription != null) {
                subscription.cancel();
            }
            done.complete(cause);
        });
    }
}

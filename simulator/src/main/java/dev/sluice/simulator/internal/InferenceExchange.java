package dev.sluice.simulator.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.stream.AbortedStreamException;
import com.linecorp.armeria.server.ServiceRequestContext;

import dev.sluice.simulator.GenerationRequest;
import dev.sluice.simulator.internal.InferenceRequest.Endpoint;
import dev.sluice.simulator.internal.OpenAiBodies.Usage;
import io.netty.util.concurrent.EventExecutor;

/**
 * Drives one inference request from arrival to its last byte: parse, faults, wait for admission, emit tokens on
 * a schedule, and end in exactly one outcome (completed, cancelled by the client, or failed).
 *
 * <p>Everything but {@link #abortByServer()} and the end-of-response callback runs on the request's event loop,
 * and token emissions are scheduled there rather than slept for. Whoever ends the exchange first wins
 * {@link #ended}; the others do nothing.
 */
final class InferenceExchange {

    private static final MediaType EVENT_STREAM = MediaType.EVENT_STREAM.withCharset(StandardCharsets.UTF_8);

    private final Simulator simulator;
    private final Endpoint endpoint;
    private final EventExecutor eventLoop;
    private final HttpResponseWriter response;
    private final @Nullable String requestId;
    private final AtomicBoolean ended = new AtomicBoolean();

    // Set once the request body has been read.
    private @Nullable InferenceRequest request;
    private @Nullable String id;
    private long created;
    private int dieAfterChunks = -1;
    // Engine metrics count from here, like vLLM's from arrival at the engine: parsing and injected latency
    // are not the engine's.
    private long submittedNanos;
    private String @Nullable [][] tokens;
    // Set when the engine admits the request.
    private volatile EngineState.@Nullable Ticket ticket;
    private @Nullable GenerationRequest admitted;
    private volatile @Nullable ScheduledFuture<?> nextStep;
    private long lastTokenNanos;
    private int emitted;

    InferenceExchange(Simulator simulator, Endpoint endpoint, ServiceRequestContext ctx,
                      HttpResponseWriter response) {
        this.simulator = simulator;
        this.endpoint = endpoint;
        eventLoop = ctx.eventLoop();
        this.response = response;
        requestId = ctx.request().headers().get(HttpHeaderNames.X_REQUEST_ID);
    }

    void start(HttpRequest httpRequest) {
        simulator.counters().onReceived(httpRequest.headers());
        simulator.register(this);
        response.whenComplete().handle((unused, cause) -> {
            if (cause != null) {
                endByClient();
            }
            return null;
        });
        httpRequest.aggregate().handleAsync((aggregated, cause) -> {
            if (cause != null) {
                endByClient(); // the request body never arrived in full
            } else {
                onRequest(aggregated);
            }
            return null;
        }, eventLoop);
    }

    private void onRequest(AggregatedHttpRequest httpRequest) {
        final Duration extraLatency = simulator.faults().extraLatency();
        if (extraLatency.isZero()) {
            process(httpRequest);
        } else {
            schedule(() -> process(httpRequest), extraLatency);
        }
    }

    private void process(AggregatedHttpRequest httpRequest) {
        if (ended.get()) {
            return;
        }
        final InferenceRequest request;
        try {
            request = InferenceRequest.parse(endpoint, httpRequest.content().array(), simulator.config());
            final long blocks = simulator.engine().blocksFor(request.prompts(), request.outputTokens());
            if (blocks > simulator.engine().totalBlocks()) {
                final long maxModelLength = (long) simulator.engine().totalBlocks() * simulator.config().blockSize();
                throw OpenAiError.badRequest(
                        "This model's maximum context length is " + maxModelLength + " tokens. However, you " +
                        "requested " + (request.promptTokens() + request.outputTokens()) + " tokens (" +
                        request.promptTokens() + " in the messages, " + request.outputTokens() +
                        " in the completion). Please reduce the length of the messages or completion.");
            }
            final double errorRate = simulator.faults().errorRate();
            if (errorRate > 0 && ThreadLocalRandom.current().nextDouble() < errorRate) {
                final HttpStatus status = HttpStatus.valueOf(simulator.faults().errorStatus());
                throw new OpenAiError(status, "Simulated failure (status " + status.code() + ").");
            }
        } catch (OpenAiError e) {
            fail(e);
            return;
        }
        this.request = request;
        final String prefix = switch (endpoint) {
            case COMPLETIONS -> "cmpl-";
            case CHAT_COMPLETIONS -> "chatcmpl-";
            case EMBEDDINGS -> "embd-";
        };
        // Like vLLM, reuse the caller's request id so that logs line up across the gateway and the server.
        id = prefix + (requestId != null ? requestId : simulator.randomId());
        created = simulator.epochSeconds();
        submittedNanos = simulator.nanoTime();
        if (endpoint != Endpoint.EMBEDDINGS) {
            final int dieAfter = simulator.faults().dieMidStreamAfterChunks();
            dieAfterChunks = dieAfter < request.outputTokens() ? dieAfter : -1;
            final int choices = request.prompts().size();
            tokens = new String[choices][];
            for (int i = 0; i < choices; i++) {
                tokens[i] = TextGenerator.tokens(request.choiceSeed(i), request.outputTokens());
            }
        }
        if (request.stream()) {
            // Headers go out at once, as with vLLM's StreamingResponse; tokens follow when generated.
            response.tryWrite(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM));
        }
        ticket = simulator.engine().submit(request.model(), request.loraAdapter(), request.prompts(),
                                           request.outputTokens(), this::onAdmitted);
        if (ended.get()) {
            // Ended while submitting, before the ticket was visible to the ending thread.
            simulator.engine().release(ticket);
        }
    }

    private void onAdmitted(GenerationRequest admitted) {
        eventLoop.execute(() -> {
            if (ended.get()) {
                return;
            }
            this.admitted = admitted;
            final long now = simulator.nanoTime();
            simulator.metrics().admitted(seconds(now - submittedNanos));
            final Duration ttft = simulator.timingModel().timeToFirstToken(admitted, simulator.engine().snapshot());
            schedule(endpoint == Endpoint.EMBEDDINGS ? this::completeEmbeddings : this::emitToken, ttft);
        });
    }

    private void emitToken() {
        final InferenceRequest request = this.request;
        final GenerationRequest admitted = this.admitted;
        final String[][] tokens = this.tokens;
        assert request != null && admitted != null && tokens != null;
        if (ended.get()) {
            return;
        }
        if (emitted == dieAfterChunks) {
            cut();
            return;
        }
        final long now = simulator.nanoTime();
        if (emitted == 0) {
            simulator.metrics().firstToken(admitted.promptTokens(), seconds(now - submittedNanos));
        } else {
            simulator.metrics().interToken(seconds(now - lastTokenNanos));
        }
        lastTokenNanos = now;
        final boolean last = emitted + 1 == request.outputTokens();
        if (request.stream()) {
            final String finishReason = last ? request.finishReason() : null;
            final String model = request.model();
            final String id = this.id;
            assert id != null;
            if (endpoint == Endpoint.CHAT_COMPLETIONS) {
                if (emitted == 0) {
                    write(OpenAiBodies.chatChunk(id, created, model, "assistant", "", null));
                }
                write(OpenAiBodies.chatChunk(id, created, model, null, tokens[0][emitted], finishReason));
            } else {
                for (int i = 0; i < tokens.length; i++) {
                    write(OpenAiBodies.completionChunk(id, created, model, i, tokens[i][emitted], finishReason));
                }
            }
        }
        simulator.metrics().tokens(tokens.length);
        emitted++;
        if (last) {
            complete();
        } else {
            schedule(this::emitToken, simulator.timingModel().interTokenLatency(admitted, emitted,
                                                                                simulator.engine().snapshot()));
        }
    }

    private void complete() {
        final InferenceRequest request = this.request;
        final GenerationRequest admitted = this.admitted;
        final String id = this.id;
        assert request != null && admitted != null && id != null;
        if (!end()) {
            return;
        }
        // Count before the last byte goes out, so that a client that has read the response sees it counted.
        simulator.metrics().finished(request.finishReason(), seconds(simulator.nanoTime() - submittedNanos));
        simulator.counters().onCompleted();
        final Usage usage = new Usage(admitted.promptTokens(), emitted * request.prompts().size(),
                                      admitted.cachedPromptTokens());
        if (request.stream()) {
            if (request.includeUsage()) {
                final String object = endpoint == Endpoint.CHAT_COMPLETIONS ? "chat.completion.chunk"
                                                                            : "text_completion";
                write(OpenAiBodies.usageChunk(id, object, created, request.model(), usage));
            }
            write(OpenAiBodies.DONE);
            response.close();
        } else {
            response.close(AggregatedHttpResponse.of(HttpStatus.OK, MediaType.JSON, plainBody(usage)));
        }
    }

    private void completeEmbeddings() {
        final InferenceRequest request = this.request;
        final GenerationRequest admitted = this.admitted;
        final String id = this.id;
        assert request != null && admitted != null && id != null;
        if (!end()) {
            return;
        }
        final float[][] vectors = new float[request.prompts().size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = TextGenerator.embedding(request.embeddingSeed(i), 8);
        }
        final double elapsed = seconds(simulator.nanoTime() - submittedNanos);
        simulator.metrics().firstToken(admitted.promptTokens(), elapsed);
        simulator.metrics().finished(request.finishReason(), elapsed);
        simulator.counters().onCompleted();
        response.close(AggregatedHttpResponse.of(
                HttpStatus.OK, MediaType.JSON,
                OpenAiBodies.embeddings(id, created, request.model(), vectors, admitted.promptTokens())));
    }

    private byte[] plainBody(Usage usage) {
        final InferenceRequest request = this.request;
        final String[][] tokens = this.tokens;
        final String id = this.id;
        assert request != null && tokens != null && id != null;
        final String[] texts = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            texts[i] = String.join("", Arrays.copyOf(tokens[i], emitted));
        }
        if (endpoint == Endpoint.CHAT_COMPLETIONS) {
            return OpenAiBodies.chatCompletion(id, created, request.model(), texts[0], request.finishReason(),
                                               usage);
        }
        return OpenAiBodies.completion(id, created, request.model(), texts, request.finishReason(), usage);
    }

    /**
     * Breaks the response off as a crashing server would: streamed chunks so far stay delivered, a plain body is
     * cut in half, and the connection is reset with no {@code [DONE]}.
     */
    private void cut() {
        final InferenceRequest request = this.request;
        assert request != null;
        if (!end()) {
            return;
        }
        simulator.metrics().finished(SimulatorMetrics.FINISHED_ABORT, seconds(simulator.nanoTime() - submittedNanos));
        simulator.counters().onFailed();
        if (!request.stream()) {
            final GenerationRequest admitted = this.admitted;
            assert admitted != null;
            final byte[] body = plainBody(new Usage(admitted.promptTokens(), emitted * request.prompts().size(),
                                                   admitted.cachedPromptTokens()));
            response.tryWrite(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, MediaType.JSON));
            response.tryWrite(HttpData.wrap(body, 0, body.length / 2));
        }
        // close(cause) delivers what was written, then resets the stream (HTTP/2) or the connection (HTTP/1).
        // Armeria logs no warning for an aborted stream.
        response.close(AbortedStreamException.get());
    }

    private void fail(OpenAiError error) {
        if (!end()) {
            return;
        }
        simulator.counters().onFailed();
        response.close(AggregatedHttpResponse.of(error.status(), MediaType.JSON, OpenAiBodies.error(error)));
    }

    /** Ends the exchange because the client went away (or never sent its whole request). */
    private void endByClient() {
        if (!end()) {
            return;
        }
        if (admitted != null || ticket != null) {
            simulator.metrics().finished(SimulatorMetrics.FINISHED_ABORT,
                                         seconds(simulator.nanoTime() - submittedNanos));
        }
        simulator.counters().onCancelled();
    }

    /** Ends the exchange because the server is closing or refusing connections; safe on any thread. */
    void abortByServer() {
        if (!end()) {
            return;
        }
        simulator.counters().onFailed();
        response.abort();
    }

    /**
     * Claims the end of the exchange and frees what it holds; returns {@code false} if it had already ended.
     */
    private boolean end() {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        final ScheduledFuture<?> nextStep = this.nextStep;
        if (nextStep != null) {
            nextStep.cancel(false);
        }
        final EngineState.Ticket ticket = this.ticket;
        if (ticket != null) {
            simulator.engine().release(ticket);
        }
        simulator.unregister(this);
        return true;
    }

    private void schedule(Runnable step, Duration delay) {
        nextStep = eventLoop.schedule(step, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void write(byte[] event) {
        // A false return means the client is gone; the whenComplete callback ends the exchange.
        response.tryWrite(HttpData.wrap(event));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}

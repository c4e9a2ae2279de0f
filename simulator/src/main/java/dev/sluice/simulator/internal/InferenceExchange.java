package dev.sluice.simulator.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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

import dev.sluice.simulator.internal.InferenceRequest.Endpoint;
import dev.sluice.simulator.internal.OpenAiBodies.Usage;
import io.netty.util.concurrent.EventExecutor;

/**
 * Drives one inference request from arrival to its last byte: parse, faults, hand one sequence per prompt to the
 * engine, write tokens as the engine produces them, and end in exactly one outcome (completed, cancelled by the
 * client, or failed).
 *
 * <p>Everything but {@link #abortByServer()} and the end-of-response callback runs on the request's event loop;
 * engine events arrive on the engine's loop and hop over. Whoever ends the exchange first wins {@link #ended};
 * the others do nothing. Ending aborts the sequences, which frees their KV blocks.
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
    private String @Nullable [][] tokens;
    private volatile Sequence @Nullable [] sequences;
    private int @Nullable [] emitted;
    private int tokenEvents;
    private int finishedChoices;
    private volatile @Nullable ScheduledFuture<?> delayed;

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
            delayed = eventLoop.schedule(() -> process(httpRequest), extraLatency.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void process(AggregatedHttpRequest httpRequest) {
        if (ended.get()) {
            return;
        }
        final BatchingEngine engine = simulator.engine();
        final InferenceRequest request;
        try {
            request = InferenceRequest.parse(endpoint, httpRequest.content().array(), simulator.config());
            for (Prompt prompt : request.prompts()) {
                if (!engine.fits(prompt.tokens(), request.outputTokens())) {
                    throw OpenAiError.badRequest(
                            "This model's maximum context length is " + engine.maxModelLength() + " tokens. " +
                            "However, you requested " + ((long) prompt.tokens() + request.outputTokens()) +
                            " tokens (" + prompt.tokens() + " in the messages, " + request.outputTokens() +
                            " in the completion). Please reduce the length of the messages or completion.");
                }
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
        final String id = prefix + (requestId != null ? requestId : simulator.randomId());
        this.id = id;
        created = simulator.epochSeconds();
        final int choices = request.prompts().size();
        if (endpoint != Endpoint.EMBEDDINGS) {
            final int dieAfter = simulator.faults().dieMidStreamAfterChunks();
            dieAfterChunks = dieAfter < request.outputTokens() ? dieAfter : -1;
            final String[][] tokens = new String[choices][];
            for (int i = 0; i < choices; i++) {
                tokens[i] = request.reply() != null
                            ? java.util.Arrays.copyOf(InferenceRequest.replyTokens(request.reply()),
                                                      request.outputTokens())
                            : TextGenerator.tokens(request.choiceSeed(i), request.outputTokens());
            }
            this.tokens = tokens;
        }
        emitted = new int[choices];
        if (request.stream()) {
            // Headers go out at once, as with vLLM's StreamingResponse; tokens follow when generated.
            response.tryWrite(ResponseHeaders.of(HttpStatus.OK, HttpHeaderNames.CONTENT_TYPE, EVENT_STREAM));
        }
        final long hashSeed = BlockHashes.seed(simulator.config().model(), request.loraAdapter());
        final Sequence[] sequences = new Sequence[choices];
        for (int i = 0; i < choices; i++) {
            final Prompt prompt = request.prompts().get(i);
            sequences[i] = new Sequence(choices == 1 ? id : id + '-' + i, request.model(), request.loraAdapter(),
                                        prompt.tokens(), prompt.blockHashes(engine.blockSize(), hashSeed),
                                        request.outputTokens(), request.finishReason(), new Choice(i));
        }
        this.sequences = sequences;
        simulator.driver().submit(List.of(sequences));
        if (ended.get()) {
            abortSequences(); // ended while submitting, before the sequences were visible to the ending thread
        }
    }

    /** Hears one sequence on the engine's loop and hands its events to the exchange's loop. */
    private final class Choice implements SequenceListener {

        private final int index;

        Choice(int index) {
            this.index = index;
        }

        @Override
        public void token(Sequence sequence, int tokenIndex, long nowNanos) {
            eventLoop.execute(() -> onToken(index, tokenIndex));
        }

        @Override
        public void finished(Sequence sequence, long nowNanos) {
            if (!sequence.aborted()) {
                eventLoop.execute(InferenceExchange.this::onChoiceFinished);
            }
        }
    }

    private void onToken(int choice, int tokenIndex) {
        final InferenceRequest request = this.request;
        final String[][] tokens = this.tokens;
        final int[] emitted = this.emitted;
        final String id = this.id;
        assert request != null && tokens != null && emitted != null && id != null;
        if (ended.get()) {
            return;
        }
        if (tokenEvents == dieAfterChunks) {
            cut();
            return;
        }
        tokenEvents++;
        if (request.stream()) {
            final String finishReason = tokenIndex + 1 == request.outputTokens() ? request.finishReason() : null;
            final String model = request.model();
            if (endpoint == Endpoint.CHAT_COMPLETIONS) {
                if (tokenIndex == 0) {
                    write(OpenAiBodies.chatChunk(id, created, model, "assistant", "", null));
                }
                write(OpenAiBodies.chatChunk(id, created, model, null, tokens[0][tokenIndex], finishReason));
            } else {
                write(OpenAiBodies.completionChunk(id, created, model, choice, tokens[choice][tokenIndex],
                                                   finishReason));
            }
        }
        emitted[choice] = tokenIndex + 1;
    }

    private void onChoiceFinished() {
        final Sequence[] sequences = this.sequences;
        assert sequences != null;
        if (ended.get() || ++finishedChoices < sequences.length) {
            return;
        }
        if (endpoint == Endpoint.EMBEDDINGS) {
            completeEmbeddings();
        } else {
            complete();
        }
    }

    private Usage usage() {
        final Sequence[] sequences = this.sequences;
        final int[] emitted = this.emitted;
        assert sequences != null && emitted != null;
        int promptTokens = 0;
        int completionTokens = 0;
        int cachedTokens = 0;
        for (int i = 0; i < sequences.length; i++) {
            promptTokens += sequences[i].promptTokens();
            completionTokens += emitted[i];
            // Set on the engine's loop before the hop that brought us here.
            cachedTokens += Math.max(0, sequences[i].cachedTokens());
        }
        return new Usage(promptTokens, completionTokens, cachedTokens);
    }

    private void complete() {
        final InferenceRequest request = this.request;
        final String id = this.id;
        assert request != null && id != null;
        if (!end()) {
            return;
        }
        // Count before the last byte goes out, so that a client that has read the response sees it counted.
        simulator.counters().onCompleted();
        final Usage usage = usage();
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
        final String id = this.id;
        assert request != null && id != null;
        if (!end()) {
            return;
        }
        final float[][] vectors = new float[request.prompts().size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = TextGenerator.embedding(request.embeddingSeed(i), 8);
        }
        simulator.counters().onCompleted();
        response.close(AggregatedHttpResponse.of(
                HttpStatus.OK, MediaType.JSON,
                OpenAiBodies.embeddings(id, created, request.model(), vectors, usage().promptTokens())));
    }

    private byte[] plainBody(Usage usage) {
        final InferenceRequest request = this.request;
        final String[][] tokens = this.tokens;
        final int[] emitted = this.emitted;
        final String id = this.id;
        assert request != null && tokens != null && emitted != null && id != null;
        final String[] texts = new String[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            texts[i] = String.join("", Arrays.copyOf(tokens[i], emitted[i]));
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
        simulator.counters().onFailed();
        if (!request.stream()) {
            final byte[] body = plainBody(usage());
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
        final ScheduledFuture<?> delayed = this.delayed;
        if (delayed != null) {
            delayed.cancel(false);
        }
        abortSequences();
        simulator.unregister(this);
        return true;
    }

    /** Aborts the sequences in the engine; harmless for finished ones and when repeated. */
    private void abortSequences() {
        final Sequence[] sequences = this.sequences;
        if (sequences != null) {
            for (Sequence sequence : sequences) {
                simulator.driver().abort(sequence);
            }
        }
    }

    private void write(byte[] event) {
        // A false return means the client is gone; the whenComplete callback ends the exchange.
        response.tryWrite(HttpData.wrap(event));
    }
}

package dev.sluice.proxy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.client.RequestOptions;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpResponseWriter;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.SplitHttpResponse;
import com.linecorp.armeria.common.logging.RequestLog;
import com.linecorp.armeria.common.logging.RequestLogProperty;
import com.linecorp.armeria.common.util.Exceptions;
import com.linecorp.armeria.server.ServiceRequestContext;

import dev.sluice.config.Resources.BackendRef;
import dev.sluice.config.Resources.InferenceObjectiveSpec;
import dev.sluice.extension.ChainOutcome;
import dev.sluice.extension.ChainRunner;
import dev.sluice.extension.ExchangeEnd;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionChains.Chain;
import dev.sluice.extension.ExtensionEvent;
import dev.sluice.extension.ExtensionResult.ImmediateResponse;
import dev.sluice.openai.JsonEdits;
import dev.sluice.openai.MalformedRequestException;
import dev.sluice.openai.OpenAiErrors;
import dev.sluice.openai.OpenAiRequest;
import dev.sluice.openai.OpenAiRequestParser;
import dev.sluice.openai.SseFrameSplitter;
import dev.sluice.openai.Usage;
import dev.sluice.picker.Endpoint;
import dev.sluice.picker.PickRequest;
import dev.sluice.picker.flow.Admission;
import dev.sluice.picker.flow.FlowController;
import dev.sluice.picker.metrics.LocalLoad;
import dev.sluice.routing.BodyBasedRouting;
import dev.sluice.routing.ModelRewrites.Rewrite;
import dev.sluice.routing.Router.Decision;

/**
 * One request's way through the gateway, run on its event loop:
 *
 * <pre>
 * request headers ─▶ chain select (CEL) ─▶ RequestHeaders extensions
 *   ─▶ body (size limit) ─▶ OpenAI peek ─▶ body-based routing ─▶ RequestBody / RequestTrailers extensions
 *   ─▶ HTTPRoute match ─▶ pool: objective, model rewrite, endpoint pick (ordered fallbacks)
 *   ─▶ upstream try; on refused connection or 503 before any byte, next endpoint (bounded attempts)
 *   ─▶ ResponseHeaders extensions ─▶ body relay (SSE event by event: model name mapped back, ResponseBody
 *      extensions) ─▶ ResponseTrailers extensions
 * </pre>
 *
 * <p>Failures the gateway answers itself use the OpenAI error shape. A stream that breaks after its headers were
 * sent ends with an SSE error event and a clean close; a client that leaves cancels the upstream request.
 */
final class Exchange {

    private static final Logger logger = LoggerFactory.getLogger(Exchange.class);

    static final String REQUEST_ID = "x-request-id";

    static final String OBJECTIVE_HEADER = "x-gateway-inference-objective";

    private final ServiceRequestContext ctx;
    private final GatewaySnapshot snapshot;
    private final UpstreamClients clients;
    private final LocalLoad localLoad;
    /** This exchange's count in the current endpoint's local load; a retry opens a new one. */
    private LocalLoad.@Nullable InFlight inFlight;
    private final ExchangeListener listener;
    private final RandomGenerator random;
    private final CompletableFuture<HttpResponse> response = new CompletableFuture<>();

    private String requestId = "";
    private @Nullable ExtensionCall call;
    private @Nullable ChainRunner runner;
    private RequestHeaders headers;
    /**
     * Headers set by body-based routing that are not in {@link #headers} yet: without extensions they are only
     * needed for route matching and the upstream request, so they are merged in once, when that request is built.
     */
    private Map<String, String> routingHeaders = Map.of();
    private boolean requestIdGiven;
    private byte[] body = new byte[0];
    private @Nullable OpenAiRequest openAi;
    private @Nullable String route;
    private @Nullable String poolName;
    private @Nullable Endpoint endpoint;
    private @Nullable String clientModel;
    private @Nullable String targetModel;
    private boolean stream;
    private int attempts;
    private @Nullable String errorDetail;
    private @Nullable String objective;
    private int priority;
    private long upstreamStartNanos;
    private long upstreamEndNanos;
    private long firstTokenNanos;
    private @Nullable Usage usage;
    private long streamedEvents;
    private final List<ExtensionCallRecord> extensionCalls = new ArrayList<>(0);
    private long pickNanos = -1;
    private final TraceContext trace;
    /** The upstream response being read, so a client that leaves can cancel it. */
    private @Nullable HttpResponse upstream;
    /** The wait for admission while the pool is saturated, so a client that leaves can give up its place. */
    private @Nullable CompletableFuture<Admission> admission;
    private @Nullable FlowController flow;
    /** Whether the client left (or reset the stream) before the exchange was complete. */
    private boolean clientCancelled;
    /** Whether an upstream sent response headers (so it did work for the request). */
    private boolean upstreamResponded;
    /** Whether the upstream refused, timed out or broke. */
    private boolean upstreamFailed;

    Exchange(ServiceRequestContext ctx, GatewaySnapshot snapshot, UpstreamClients clients, LocalLoad localLoad,
             ExchangeListener listener, RandomGenerator random, RequestHeaders headers) {
        this.ctx = ctx;
        this.snapshot = snapshot;
        this.clients = clients;
        this.localLoad = localLoad;
        this.listener = listener;
        this.random = random;
        this.headers = headers;
        trace = TraceContext.of(headers.get(TraceContext.TRACEPARENT));
    }

    HttpResponse start(HttpRequest req) {
        final RequestHeaders in = headers;
        final String given = in.get(REQUEST_ID);
        requestIdGiven = given != null && !given.isEmpty();
        // A generated id is added to the upstream request in send(), saving a copy of the headers here.
        requestId = requestIdGiven ? given : newRequestId();
        ctx.setAttr(ProxyService.REQUEST_ID_ATTR, requestId);
        ctx.whenRequestCancelling().thenAccept(cause -> {
            if (!(Exceptions.peel(cause) instanceof com.linecorp.armeria.server.RequestTimeoutException)) {
                clientCancelled = true;
            }
            cancelUpstream();
        });
        if (listener != ExchangeListener.NOOP) {
            ctx.log().whenComplete().thenAccept(log -> listener.onComplete(record(log)));
        }

        final long contentLength = in.contentLength();
        if (contentLength > snapshot.maxRequestBytes()) {
            req.abort();
            return tooLarge();
        }
        ctx.setMaxRequestLength(snapshot.maxRequestBytes());

        final Chain chain = snapshot.chains().isEmpty() ? null : snapshot.chains().select(
                pathOnly(in.path()), in.method().name(), nullToEmpty(in.authority()), nullToEmpty(in.scheme()),
                lowerCaseHeaders(in));
        if (chain != null) {
            call = new ExtensionCall(requestId);
            runner = new ChainRunner(chain, call, ctx.eventLoop(), (name, event, outcome, nanos) -> {
                extensionCalls.add(new ExtensionCallRecord(name, event.configName(), outcome,
                                                           System.nanoTime() - nanos, nanos));
                listener.onExtensionCall(name, event, outcome, nanos);
            });
            // Extensions learn how the exchange ended on every path, once the log is complete.
            final ExtensionCall c = call;
            ctx.log().whenComplete().thenAccept(log -> {
                if (ctx.eventLoop().inEventLoop()) {
                    c.end(end(log));
                } else {
                    ctx.eventLoop().execute(() -> c.end(end(log)));
                }
            });
        }
        final CompletableFuture<ChainOutcome> requestHeaders =
                runner != null && runner.handles(ExtensionEvent.REQUEST_HEADERS)
                ? runner.runHeaders(ExtensionEvent.REQUEST_HEADERS, headers)
                : CompletableFuture.completedFuture(new ChainOutcome.Proceed(headers, null));
        onLoop(requestHeaders, outcome -> {
            if (finishedByChain(outcome)) {
                req.abort();
                return;
            }
            headers = (RequestHeaders) ((ChainOutcome.Proceed) outcome).headers();
            req.aggregate().handle((agg, cause) -> {
                onLoop(() -> {
                    if (cause != null) {
                        onBodyFailure(cause);
                    } else {
                        onBody(agg);
                    }
                });
                return null;
            });
        });
        return HttpResponse.of(response);
    }

    /* ------------------------------------------------------------------------------------ request body */

    private void onBodyFailure(Throwable cause) {
        final Throwable t = Exceptions.peel(cause);
        if (t instanceof ContentTooLargeException) {
            finish(tooLarge());
        } else {
            // The client went away or broke the request stream: nobody is left to answer.
            clientCancelled = true;
            errorDetail = "http_request_error; details=\"client_disconnected\"";
            finish(HttpResponse.ofFailure(t));
        }
    }

    private HttpResponse tooLarge() {
        errorDetail = "http_request_error; details=\"request_body_too_large\"";
        return OpenAiErrors.response(HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                                     "The request body is larger than the limit of " + snapshot.maxRequestBytes() +
                                     " bytes.", "invalid_request_error", null, "request_too_large");
    }

    private void onBody(AggregatedHttpRequest agg) {
        body = agg.content().array();
        final String path = pathOnly(headers.path());
        final boolean openAiPath = isOpenAiPath(path) && headers.method() == HttpMethod.POST;
        if (openAiPath) {
            try {
                openAi = OpenAiRequestParser.parse(body);
            } catch (MalformedRequestException e) {
                errorDetail = "http_request_error; details=\"malformed_request\"";
                finish(OpenAiErrors.badRequest(e.getMessage(), null));
                return;
            }
            if (openAi.model() == null || openAi.model().isEmpty()) {
                errorDetail = "http_request_error; details=\"model_missing\"";
                finish(OpenAiErrors.badRequest("You must provide a model parameter.", "model"));
                return;
            }
        } else if (headers.method() == HttpMethod.POST && isJson(headers)) {
            try {
                openAi = OpenAiRequestParser.parse(body);
            } catch (MalformedRequestException e) {
                // Another API's body: it is proxied untouched, so it need not be OpenAI-shaped.
            }
        }
        if (openAi != null) {
            clientModel = openAi.model();
            stream = openAi.stream();
            if (clientModel != null) {
                listener.onRequest(clientModel); // running-requests gauge; onComplete ends it
            }
            if (call != null) {
                call.request(openAi);
            }
            if (runner == null) {
                routingHeaders = snapshot.bodyBasedRouting().headersFor(openAi);
            } else if (!runner.chain().uses(BodyBasedRouting.SERVICE)) {
                // Extensions run next and must see the routing headers.
                final Map<String, String> bbr = snapshot.bodyBasedRouting().headersFor(openAi);
                if (!bbr.isEmpty()) {
                    final var b = headers.toBuilder();
                    bbr.forEach(b::set);
                    headers = b.build();
                }
            }
        }
        final CompletableFuture<ChainOutcome> requestBody =
                runner != null && runner.handles(ExtensionEvent.REQUEST_BODY)
                ? runner.runBody(ExtensionEvent.REQUEST_BODY, headers, HttpData.wrap(body), true)
                : CompletableFuture.completedFuture(new ChainOutcome.Proceed(headers, null));
        onLoop(requestBody, outcome -> {
            if (finishedByChain(outcome)) {
                return;
            }
            final ChainOutcome.Proceed p = (ChainOutcome.Proceed) outcome;
            headers = (RequestHeaders) p.headers();
            if (p.body() != null && p.body().array() != body) {
                body = p.body().array();
                reparse();
            }
            final HttpHeaders trailers = agg.trailers();
            if (!trailers.isEmpty() && runner != null && runner.handles(ExtensionEvent.REQUEST_TRAILERS)) {
                onLoop(runner.runHeaders(ExtensionEvent.REQUEST_TRAILERS, trailers), o -> {
                    if (!finishedByChain(o)) {
                        routeAndSend();
                    }
                });
                return;
            }
            routeAndSend();
        });
    }

    /** An extension replaced the body: read the model again so routing sees the new one. */
    private void reparse() {
        if (openAi == null) {
            return;
        }
        try {
            openAi = OpenAiRequestParser.parse(body);
            if (call != null) {
                call.request(openAi);
            }
        } catch (MalformedRequestException e) {
            openAi = null;
        }
    }

    /* ------------------------------------------------------------------------------------ routing */

    private void routeAndSend() {
        final Decision decision = snapshot.router().route(headers, routingHeaders, random);
        if (decision == null) {
            errorDetail = "destination_not_found; details=\"no_route\"";
            if (openAi != null && openAi.model() != null) {
                finish(OpenAiErrors.modelNotFound(openAi.model()));
            } else {
                finish(OpenAiErrors.response(HttpStatus.NOT_FOUND, "No route matches " + headers.method() + ' ' +
                                                                   headers.path() + '.',
                                             "invalid_request_error", null, "route_not_found"));
            }
            return;
        }
        route = decision.route();
        final BackendRef backend = decision.backend();
        if (backend == null) {
            noCapacity("destination_unavailable; details=\"no_backend_with_weight\"",
                       "Route " + route + " has no backend with a weight above 0.");
            return;
        }
        if (decision.timeouts() != null && decision.timeouts().request() != null) {
            ctx.setRequestTimeout(decision.timeouts().request());
        }
        final RequestOptions options = decision.timeouts() != null && decision.timeouts().backendRequest() != null
                                       ? RequestOptions.builder()
                                                       .responseTimeout(decision.timeouts().backendRequest())
                                                       .build()
                                       : RequestOptions.of();
        if (!backend.isInferencePool()) {
            final Endpoint ep = snapshot.serviceEndpoint(backend.name(), backend.port());
            send(List.of(ep), 0, 1, SessionProtocol.H1C, options);
            return;
        }
        final GatewaySnapshot.Pool pool = snapshot.pool(backend.name());
        poolName = backend.name();
        if (pool == null) {
            noCapacity("destination_unavailable; details=\"pool_not_found\"",
                       "InferencePool " + backend.name() + " is not configured.");
            return;
        }
        final String objectiveName = headers.get(OBJECTIVE_HEADER);
        if (objectiveName != null) {
            final InferenceObjectiveSpec spec = snapshot.objective(objectiveName);
            if (spec != null && spec.poolRef().name().equals(pool.name())) {
                objective = objectiveName;
                priority = spec.priority();
            }
        }
        if (call != null && call.priority() != null) {
            // An extension's priority holds for whichever pool the request was routed to.
            priority = call.priority();
        }
        flow = pool.flow();
        final CompletableFuture<Admission> admitted = pool.flow().admit(pool.name(), priority);
        admission = admitted;
        onLoop(admitted, a -> {
            if (a.waitedNanos() > 0) {
                listener.onQueued(pool.name());
            }
            if (a.isAdmitted()) {
                pickAndSend(pool, options);
            } else {
                rejectByFlowControl(a);
            }
        });
    }

    /** Answers a request that flow control shed (429) or could not queue long enough (503). */
    private void rejectByFlowControl(Admission a) {
        final String code = switch (a.outcome()) {
            case SHED -> "pool_saturated";
            case QUEUE_FULL -> "queue_full";
            case TIMED_OUT -> "queue_timeout";
            case CANCELLED -> "queue_cancelled";
            default -> "shutting_down";
        };
        errorDetail = "destination_unavailable; details=\"" + code + '"';
        final boolean shed = a.outcome() == Admission.Outcome.SHED;
        if (shed) {
            listener.onShed(nullToEmpty(poolName), priority);
        }
        finish(OpenAiErrors.response(HttpStatus.valueOf(a.httpStatus()),
                                     "Pool " + poolName + ": " + a.outcome().message() + '.',
                                     shed ? "rate_limit_error" : "service_unavailable", null, code));
    }

    private void pickAndSend(GatewaySnapshot.Pool pool, RequestOptions options) {
        targetModel = clientModel;
        if (openAi != null && clientModel != null && openAi.modelStart() >= 0) {
            final Rewrite rewrite = snapshot.rewrites().rewrite(pool.name(), clientModel, random);
            if (rewrite != null && !rewrite.targetModel().equals(clientModel)) {
                targetModel = rewrite.targetModel();
                body = JsonEdits.replaceString(body, openAi.modelStart(), openAi.modelEnd(), targetModel);
            }
        }
        final long pickStart = System.nanoTime();
        final List<Endpoint> order = pool.picker().pick(
                new PickRequest(pool.name(), targetModel, priority, openAi != null ? openAi.promptText() : ""),
                pool.endpoints());
        pickNanos = System.nanoTime() - pickStart;
        if (order.isEmpty()) {
            noCapacity("destination_unavailable; details=\"failed_to_pick_backend\"",
                       "No endpoint of pool " + pool.name() + " can serve the request.");
            return;
        }
        send(order, 0, Math.min(order.size(), pool.maxAttempts()), pool.protocol(), options);
    }

    private void noCapacity(String detail, String message) {
        errorDetail = detail;
        finish(OpenAiErrors.response(HttpStatus.SERVICE_UNAVAILABLE, message, "service_unavailable", null,
                                     "no_capacity"));
    }

    /* ------------------------------------------------------------------------------------ upstream */

    private void send(List<Endpoint> order, int index, int maxAttempts, SessionProtocol protocol,
                      RequestOptions options) {
        final Endpoint ep = order.get(index);
        endpoint = ep;
        attempts++;
        if (upstreamStartNanos == 0) {
            upstreamStartNanos = System.nanoTime();
        }
        ep.acquire();
        inFlight = localLoad.onSend(ep, LocalLoad.estimateTokens(
                openAi != null ? openAi.promptText().length() : body.length,
                openAi != null && openAi.maxTokens() != null ? openAi.maxTokens() : 0));
        // The one copy of the request headers on the way out: routing headers, id, endpoint and body length.
        final var b = headers.toBuilder();
        routingHeaders.forEach(b::set);
        if (!requestIdGiven) {
            b.set(REQUEST_ID, requestId);
        }
        b.authority(ep.authority()).contentLength(body.length)
         .set(TraceContext.TRACEPARENT, trace.upstreamTraceparent());
        final HttpRequest upstreamReq = HttpRequest.of(b.build(), HttpData.wrap(body));
        final HttpResponse res = clients.client(ep, protocol).execute(upstreamReq, options);
        upstream = res;
        final SplitHttpResponse split = res.split();
        split.headers().whenComplete((h, cause) -> onLoop(() -> {
            if (response.isDone() && !(cause == null && h != null)) {
                release(ep);
                return;
            }
            final Throwable t = cause == null ? null : Exceptions.peel(cause);
            final boolean more = index + 1 < maxAttempts;
            if (t instanceof UnprocessedRequestException) {
                // Nothing reached the endpoint (connection refused, say): it is safe to try another.
                ep.markLive(false, System.nanoTime());
                release(ep);
                if (more) {
                    listener.onRetry(nullToEmpty(poolName), ep.authority(), "connect_failure");
                    send(order, index + 1, maxAttempts, protocol, options);
                } else {
                    upstreamFailed = true;
                    errorDetail = "connection_refused; details=\"all_endpoints_refused\"";
                    finish(OpenAiErrors.response(HttpStatus.SERVICE_UNAVAILABLE,
                                                 "Could not connect to any model server of the pool.",
                                                 "service_unavailable", null, "upstream_unavailable"));
                }
                return;
            }
            if (t != null) {
                release(ep);
                upstreamFailedBeforeHeaders(t);
                return;
            }
            ep.markLive(true, System.nanoTime());
            if (h.status() == HttpStatus.SERVICE_UNAVAILABLE && more) {
                split.body().abort();
                release(ep);
                listener.onRetry(nullToEmpty(poolName), ep.authority(), "upstream_503");
                send(order, index + 1, maxAttempts, protocol, options);
                return;
            }
            onUpstreamHeaders(h, split, ep);
        }));
    }

    private void upstreamFailedBeforeHeaders(Throwable t) {
        upstreamFailed = true;
        if (t instanceof ResponseTimeoutException) {
            errorDetail = "http_response_timeout";
            finish(OpenAiErrors.response(HttpStatus.GATEWAY_TIMEOUT, "The model server did not answer in time.",
                                         "timeout", null, "upstream_timeout"));
        } else {
            errorDetail = "connection_terminated; details=\"before_response_headers\"";
            finish(OpenAiErrors.response(HttpStatus.BAD_GATEWAY,
                                         "The model server closed the connection before answering.",
                                         "upstream_error", null, "upstream_reset"));
        }
    }

    private void onUpstreamHeaders(ResponseHeaders upstreamHeaders, SplitHttpResponse split, Endpoint ep) {
        final MediaType contentType = upstreamHeaders.contentType();
        final boolean sse = contentType != null && contentType.is(MediaType.EVENT_STREAM);
        stream = sse;
        upstreamResponded = true;
        final boolean mapModel = targetModel != null && !targetModel.equals(clientModel);
        final boolean bodyExtensions = runner != null && runner.handles(ExtensionEvent.RESPONSE_BODY);
        final boolean aggregate = !sse && (isOpenAiPath(pathOnly(headers.path())) || mapModel || bodyExtensions);
        final boolean headerExtensions = runner != null && runner.handles(ExtensionEvent.RESPONSE_HEADERS);
        if (aggregate && !headerExtensions) {
            // The aggregated relay sets the id and the final length in one copy of the headers.
            relayAggregated(upstreamHeaders, split, ep, mapModel);
            return;
        }
        final var hb = upstreamHeaders.toBuilder().set(REQUEST_ID, requestId);
        if (sse || mapModel || bodyExtensions) {
            hb.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        final ResponseHeaders out = hb.build();
        if (!headerExtensions) {
            relayStreaming(out, split, ep, sse, mapModel);
            return;
        }
        onLoop(runner.runHeaders(ExtensionEvent.RESPONSE_HEADERS, out), outcome -> {
            if (finishedByChain(outcome)) {
                split.body().abort();
                release(ep);
                return;
            }
            final ResponseHeaders finalHeaders = (ResponseHeaders) ((ChainOutcome.Proceed) outcome).headers();
            if (aggregate) {
                relayAggregated(finalHeaders, split, ep, mapModel);
            } else {
                relayStreaming(finalHeaders, split, ep, sse, mapModel);
            }
        });
    }

    /** A whole JSON answer: read it, so a failure mid-body can still become a clean 502. */
    private void relayAggregated(ResponseHeaders out, SplitHttpResponse split, Endpoint ep, boolean mapModel) {
        split.body().collect().handleAsync((chunks, cause) -> {
            if (cause != null) {
                release(ep);
                if (!response.isDone()) {
                    upstreamFailed = true;
                    errorDetail = "http_response_incomplete; details=\"upstream_reset\"";
                    finish(OpenAiErrors.response(HttpStatus.BAD_GATEWAY,
                                                 "The model server closed the connection before the response " +
                                                 "was complete.", "upstream_error", null, "upstream_reset"));
                }
                return null;
            }
            upstreamEndNanos = System.nanoTime();
            byte[] bytes = concat(chunks);
            usage = Usage.parse(bytes, 0, bytes.length);
            if (mapModel) {
                bytes = JsonEdits.replaceTopLevelModel(bytes, 0, bytes.length, clientModel);
            }
            final CompletableFuture<ChainOutcome> bodyOutcome =
                    runner != null && runner.handles(ExtensionEvent.RESPONSE_BODY)
                    ? runner.runBody(ExtensionEvent.RESPONSE_BODY, out, HttpData.wrap(bytes), true)
                    : CompletableFuture.completedFuture(new ChainOutcome.Proceed(out, HttpData.wrap(bytes)));
            bodyOutcome.thenCompose(o -> {
                if (finishedByChain(o)) {
                    return CompletableFuture.completedFuture(null);
                }
                final ChainOutcome.Proceed p = (ChainOutcome.Proceed) o;
                return split.trailers().thenCompose(trailers -> {
                    if (!trailers.isEmpty() && runner != null &&
                        runner.handles(ExtensionEvent.RESPONSE_TRAILERS)) {
                        return runner.runHeaders(ExtensionEvent.RESPONSE_TRAILERS, trailers)
                                     .thenApply(t -> t instanceof ChainOutcome.Proceed tp ? tp.headers() : null);
                    }
                    return CompletableFuture.completedFuture(trailers);
                }).thenAccept(trailers -> {
                    final ResponseHeaders h = ((ResponseHeaders) p.headers()).toBuilder()
                                                                              .set(REQUEST_ID, requestId)
                                                                              .contentLength(p.body().length())
                                                                              .build();
                    finishRelayed(trailers == null || trailers.isEmpty() ? HttpResponse.of(h, p.body())
                                                                         : HttpResponse.of(h, p.body(), trailers));
                });
            }).whenComplete((unused, t) -> release(ep)).exceptionally(this::internalError);
            return null;
        }, ctx.eventLoop());
    }

    private void relayStreaming(ResponseHeaders out, SplitHttpResponse split, Endpoint ep, boolean sse,
                                boolean mapModel) {
        final HttpResponseWriter writer = HttpResponse.streaming();
        writer.write(out);
        finishRelayed(writer);
        final ResponseRelay.ChunkProcessor processor = sse ? new SseProcessor(out, mapModel)
                                                           : new PassThroughProcessor(out);
        ResponseRelay.start(split.body(), split.trailers(), writer, processor, ctx.eventLoop())
                     .whenComplete((cause, unused) -> {
                         upstreamEndNanos = System.nanoTime();
                         release(ep);
                         if (cause != null && errorDetail == null) {
                             errorDetail = "http_response_incomplete";
                         }
                     });
    }

    /** Relays Server-Sent Events whole: maps the model name back and runs ResponseBody extensions. */
    private final class SseProcessor implements ResponseRelay.ChunkProcessor {
        private final SseFrameSplitter splitter = new SseFrameSplitter();
        private final ResponseHeaders responseHeaders;
        private final boolean mapModel;

        SseProcessor(ResponseHeaders responseHeaders, boolean mapModel) {
            this.responseHeaders = responseHeaders;
            this.mapModel = mapModel;
        }

        @Override
        public CompletableFuture<List<HttpData>> onChunk(HttpData chunk) {
            final List<byte[]> events = splitter.feed(chunk.array());
            if (events.isEmpty()) {
                return CompletableFuture.completedFuture(List.of());
            }
            for (byte[] e : events) {
                inspect(e);
            }
            final byte[] joined;
            if (mapModel) {
                final List<byte[]> mapped = new ArrayList<>(events.size());
                for (byte[] e : events) {
                    mapped.add(mapModelInEvent(e));
                }
                joined = concatArrays(mapped);
            } else {
                joined = concatArrays(events);
            }
            return throughExtensions(HttpData.wrap(joined), false);
        }

        @Override
        public CompletableFuture<List<HttpData>> onEnd() {
            final byte[] rest = splitter.drain();
            return throughExtensions(HttpData.wrap(rest), true);
        }

        private CompletableFuture<List<HttpData>> throughExtensions(HttpData data, boolean endOfStream) {
            if (runner == null || !runner.handles(ExtensionEvent.RESPONSE_BODY)) {
                return CompletableFuture.completedFuture(List.of(data));
            }
            return runner.runBody(ExtensionEvent.RESPONSE_BODY, responseHeaders, data, endOfStream)
                         .thenApply(o -> afterStreamedExtension(o, true));
        }

        /** Notes the first token's time, the usage chunk, and how many token events went by. */
        private void inspect(byte[] event) {
            final String data = SseFrameSplitter.data(event);
            if (data == null || data.startsWith("[DONE]")) {
                return;
            }
            final byte[] json = data.getBytes(StandardCharsets.UTF_8);
            final Usage u = Usage.parse(json, 0, json.length);
            if (u != null) {
                usage = u;
                return;
            }
            if (firstTokenNanos == 0) {
                firstTokenNanos = System.nanoTime();
                final LocalLoad.InFlight f = inFlight;
                if (f != null) {
                    f.onFirstToken(); // the endpoint's prefill is done: no longer counted as waiting
                }
            }
            streamedEvents++;
        }

        private byte[] mapModelInEvent(byte[] event) {
            final String data = SseFrameSplitter.data(event);
            if (data == null || data.startsWith("[DONE]")) {
                return event;
            }
            final byte[] json = data.getBytes(StandardCharsets.UTF_8);
            final byte[] mapped = JsonEdits.replaceTopLevelModel(json, 0, json.length, clientModel);
            if (mapped == json) {
                return event;
            }
            return SseFrameSplitter.dataEvent(mapped);
        }

        @Override
        public @Nullable HttpData onUpstreamFailure(Throwable cause) {
            upstreamFailed = true;
            errorDetail = "http_response_incomplete; details=\"upstream_reset\"";
            logger.debug("[{}] upstream stream broke: {}", requestId, cause.toString());
            return HttpData.wrap(OpenAiErrors.sseErrorEvent(
                    "The model server stopped before the response was complete.", "upstream_error",
                    "upstream_reset"));
        }

        @Override
        public CompletableFuture<@Nullable HttpHeaders> onTrailers(HttpHeaders trailers) {
            return responseTrailers(trailers);
        }
    }

    /** Relays any other body chunk by chunk. */
    private final class PassThroughProcessor implements ResponseRelay.ChunkProcessor {
        private final ResponseHeaders responseHeaders;

        PassThroughProcessor(ResponseHeaders responseHeaders) {
            this.responseHeaders = responseHeaders;
        }

        @Override
        public CompletableFuture<List<HttpData>> onChunk(HttpData chunk) {
            if (runner == null || !runner.handles(ExtensionEvent.RESPONSE_BODY)) {
                return CompletableFuture.completedFuture(List.of(chunk));
            }
            return runner.runBody(ExtensionEvent.RESPONSE_BODY, responseHeaders, chunk, false)
                         .thenApply(o -> afterStreamedExtension(o, false));
        }

        @Override
        public CompletableFuture<List<HttpData>> onEnd() {
            if (runner == null || !runner.handles(ExtensionEvent.RESPONSE_BODY)) {
                return CompletableFuture.completedFuture(List.of());
            }
            return runner.runBody(ExtensionEvent.RESPONSE_BODY, responseHeaders, HttpData.empty(), true)
                         .thenApply(o -> afterStreamedExtension(o, false));
        }

        @Override
        public @Nullable HttpData onUpstreamFailure(Throwable cause) {
            upstreamFailed = true;
            errorDetail = "http_response_incomplete; details=\"upstream_reset\"";
            return null;
        }

        @Override
        public CompletableFuture<@Nullable HttpHeaders> onTrailers(HttpHeaders trailers) {
            return responseTrailers(trailers);
        }
    }

    /** Turns a ResponseBody outcome after headers were sent into data, or ends the stream. */
    private List<HttpData> afterStreamedExtension(ChainOutcome o, boolean sse) {
        if (o instanceof ChainOutcome.Proceed p) {
            return p.body() == null ? List.of() : List.of(p.body());
        }
        if (o instanceof ChainOutcome.Respond r) {
            errorDetail = "http_request_denied; details=\"extension " + r.extension() + '"';
            final HttpData last = sse ? HttpData.wrap(SseFrameSplitter.dataEvent(r.response().body().array())) : null;
            throw new StreamTermination("ended by extension " + r.extension(), last);
        }
        final ChainOutcome.Failed f = (ChainOutcome.Failed) o;
        errorDetail = "proxy_internal_error; details=\"extension_failed " + f.extension() + '"';
        throw new StreamTermination("extension " + f.extension() + " failed", null);
    }

    private CompletableFuture<@Nullable HttpHeaders> responseTrailers(HttpHeaders trailers) {
        if (trailers.isEmpty() || runner == null || !runner.handles(ExtensionEvent.RESPONSE_TRAILERS)) {
            return CompletableFuture.completedFuture(trailers);
        }
        return runner.runHeaders(ExtensionEvent.RESPONSE_TRAILERS, trailers).thenApply(o -> {
            if (o instanceof ChainOutcome.Proceed p) {
                return p.headers();
            }
            throw new StreamTermination("ended at trailers", null);
        });
    }

    /* ------------------------------------------------------------------------------------ helpers */

    /**
     * Ends the exchange when an extension answered or failed closed before response headers; returns whether it
     * did.
     */
    private boolean finishedByChain(ChainOutcome outcome) {
        if (outcome instanceof ChainOutcome.Respond r) {
            errorDetail = "http_request_denied; details=\"extension " + r.extension() + '"';
            final ImmediateResponse ir = r.response();
            final var hb = ResponseHeaders.builder(ir.status()).set(REQUEST_ID, requestId);
            ir.headers().forEach(hb::set);
            finish(HttpResponse.of(hb.build(), ir.body()));
            return true;
        }
        if (outcome instanceof ChainOutcome.Failed f) {
            errorDetail = "proxy_internal_error; details=\"extension_failed " + f.extension() + '"';
            logger.warn("[{}] extension {} failed closed: {}", requestId, f.extension(), f.cause().toString());
            finish(OpenAiErrors.response(HttpStatus.INTERNAL_SERVER_ERROR,
                                         "Extension " + f.extension() + " failed and is configured to fail closed.",
                                         "extension_error", null, "extension_failed"));
            return true;
        }
        return false;
    }

    private @Nullable Void internalError(Throwable cause) {
        final Throwable t = Exceptions.peel(cause);
        logger.warn("[{}] unexpected failure", requestId, t);
        if (!response.isDone()) {
            errorDetail = "proxy_internal_error";
            finish(OpenAiErrors.response(HttpStatus.INTERNAL_SERVER_ERROR, "Internal gateway error.",
                                         "internal_error", null, null));
        }
        return null;
    }

    /** Ends the exchange with a response the gateway made; it gets the request id. */
    private void finish(HttpResponse res) {
        finishRelayed(res.mapHeaders(h -> h.toBuilder().set(REQUEST_ID, requestId).build()));
    }

    /** Ends the exchange with a relayed response, which already carries the request id. */
    private void finishRelayed(HttpResponse res) {
        if (!response.complete(res)) {
            res.abort();
        }
    }

    /**
     * Runs {@code action} with the future's value on the request's event loop: at once when the future is done and
     * this is that loop (the common case without extensions), else as a task there. Failures end the exchange.
     */
    private <T> void onLoop(CompletableFuture<T> future, java.util.function.Consumer<T> action) {
        if (future.isDone() && !future.isCompletedExceptionally() && ctx.eventLoop().inEventLoop()) {
            run(() -> action.accept(future.join()));
            return;
        }
        future.whenComplete((value, cause) -> onLoop(() -> {
            if (cause != null) {
                internalError(cause);
            } else {
                action.accept(value);
            }
        }));
    }

    private void onLoop(Runnable action) {
        if (ctx.eventLoop().inEventLoop()) {
            run(action);
        } else {
            ctx.eventLoop().execute(() -> run(action));
        }
    }

    private void run(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            internalError(e);
        }
    }

    /** Counts the request to {@code ep} as finished, in the endpoint and in the local load. */
    private void release(Endpoint ep) {
        ep.release();
        final LocalLoad.InFlight f = inFlight;
        if (f != null) {
            f.onFinish();
        }
        final FlowController fc = flow;
        if (fc != null && poolName != null) {
            // Capacity may have freed up: let queued requests of this pool re-check.
            fc.onFinished(poolName);
        }
    }

    private void cancelUpstream() {
        final CompletableFuture<Admission> a = admission;
        if (a != null) {
            a.cancel(false);
        }
        final HttpResponse u = upstream;
        if (u != null) {
            u.abort();
        }
    }

    private ExchangeRecord record(RequestLog log) {
        final int status = log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)
                           ? log.responseHeaders().status().code() : 0;
        final long start = log.requestStartTimeNanos();
        final boolean reported = usage != null && usage.completionTokens() >= 0;
        return new ExchangeRecord(
                log.requestStartTimeMicros(), requestId, ctx.clientAddress().getHostAddress(),
                headers.method().name(), pathOnly(headers.path()), status, route, poolName,
                endpoint != null ? endpoint.authority() : null, clientModel, targetModel, objective, priority, stream,
                attempts, log.requestLength(), log.responseLength(), log.totalDurationNanos(),
                upstreamStartNanos == 0 || upstreamEndNanos == 0 ? -1 : upstreamEndNanos - upstreamStartNanos,
                firstTokenNanos == 0 ? -1 : firstTokenNanos - start,
                usage != null ? usage.promptTokens() : -1,
                reported ? usage.completionTokens() : stream ? streamedEvents : -1,
                usage != null ? usage.cachedTokens() : -1,
                !reported && stream, errorDetail, pickNanos, start, upstreamStartNanos == 0 ? -1 : upstreamStartNanos,
                trace, List.copyOf(extensionCalls));
    }

    /** How the exchange ended, for extensions. */
    private ExchangeEnd end(RequestLog log) {
        final int status = log.isAvailable(RequestLogProperty.RESPONSE_HEADERS)
                           ? log.responseHeaders().status().code() : 0;
        final Throwable cause = log.isAvailable(RequestLogProperty.RESPONSE_CAUSE) ? log.responseCause() : null;
        final boolean cancelled = clientCancelled || isClientGone(cause);
        final boolean reported = usage != null && usage.completionTokens() >= 0;
        return new ExchangeEnd(
                status, cancelled, upstreamResponded, upstreamFailed, log.requestLength(), log.responseLength(),
                log.totalDurationNanos(),
                upstreamStartNanos == 0 || upstreamEndNanos == 0 ? -1 : upstreamEndNanos - upstreamStartNanos,
                poolName, targetModel, usage != null ? usage.promptTokens() : -1,
                reported ? usage.completionTokens() : stream ? streamedEvents : -1,
                usage != null ? usage.cachedTokens() : -1, errorDetail, log.requestStartTimeMicros());
    }

    private static boolean isClientGone(@Nullable Throwable cause) {
        final Throwable t = cause == null ? null : Exceptions.peel(cause);
        return t instanceof com.linecorp.armeria.common.ClosedSessionException ||
               t instanceof com.linecorp.armeria.common.stream.ClosedStreamException ||
               t instanceof com.linecorp.armeria.common.stream.CancelledSubscriptionException ||
               t instanceof com.linecorp.armeria.common.stream.AbortedStreamException;
    }

    /** Returns a random (version 4) UUID without the cost of {@code SecureRandom}: ids need not be secret. */
    private static String newRequestId() {
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        final long msb = (r.nextLong() & ~0xF000L) | 0x4000L;
        final long lsb = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }

    static boolean isOpenAiPath(String path) {
        return "/v1/completions".equals(path) || "/v1/chat/completions".equals(path) ||
               "/v1/embeddings".equals(path);
    }

    private static boolean isJson(RequestHeaders headers) {
        final MediaType ct = headers.contentType();
        return ct == null || ct.is(MediaType.JSON) || ct.subtype().endsWith("json");
    }

    private static Map<String, String> lowerCaseHeaders(RequestHeaders headers) {
        final Map<String, String> map = new java.util.HashMap<>();
        headers.forEach((name, value) -> {
            if (name.charAt(0) != ':') {
                map.putIfAbsent(name.toString().toLowerCase(Locale.ROOT), value);
            }
        });
        return map;
    }

    private static String pathOnly(String pathAndQuery) {
        final int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    private static String nullToEmpty(@Nullable String s) {
        return s == null ? "" : s;
    }

    private static byte[] concat(List<HttpData> chunks) {
        if (chunks.size() == 1) {
            return chunks.get(0).array();
        }
        int n = 0;
        for (HttpData d : chunks) {
            n += d.length();
        }
        final byte[] out = new byte[n];
        int pos = 0;
        for (HttpData d : chunks) {
            System.arraycopy(d.array(), 0, out, pos, d.length());
            pos += d.length();
        }
        return out;
    }

    private static byte[] concatArrays(List<byte[]> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        final byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }
}

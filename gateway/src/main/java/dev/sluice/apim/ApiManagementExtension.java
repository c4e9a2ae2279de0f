package dev.sluice.apim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;

import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsWriter;
import dev.sluice.apim.limit.RateLimiter;
import dev.sluice.apim.limit.RateLimiter.Admission;
import dev.sluice.apim.limit.RateLimiter.AdmissionRequest;
import dev.sluice.apim.limit.RateLimiter.Charge;
import dev.sluice.apim.limit.RateLimiter.Reservation;
import dev.sluice.apim.limit.RateLimiter.SpikeCheck;
import dev.sluice.apim.limit.RateLimiterUnavailableException;
import dev.sluice.apim.limit.Quota;
import dev.sluice.apim.store.CredentialCache;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.extension.ExchangeEnd;
import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionEvent;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.OpenAiRequest;
import dev.sluice.openai.SseFrameSplitter;
import dev.sluice.openai.Usage;

/**
 * The {@code api-management} traffic extension: Apigee's VerifyAPIKey, SpikeArrest, Quota and LLMTokenQuota
 * policies in one pass, with Apigee's fault bodies and statuses.
 *
 * <p>Order of checks, first failure wins (all key faults are 401, all rate faults 429):
 * <ol>
 *   <li>RequestHeaders: a key is present ({@code FailedToResolveAPIKey}, or the APIM Operator's
 *       {@code RF-insufficient-request-raise-fault} with {@code defaultSecurityEnabled}); it exists
 *       ({@code InvalidApiKey}); it is approved ({@code ApiKeyNotApproved}) and not expired
 *       ({@code consumer_key_expired}); its app is approved ({@code invalid_client-app_not_approved}); its developer
 *       is active ({@code DeveloperStatusNotActive}); one of the app's products covers the path and method
 *       ({@code InvalidApiKeyForGivenResource}).</li>
 *   <li>RequestBody: one of those products covers the model ({@code InvalidAPICallAsNoApiProductMatchFound}); the
 *       first that does is the request's product. Then, atomically: spike arrest ({@code SpikeArrestViolation}),
 *       request quotas ({@code QuotaViolation}), token quotas ({@code LLMTokenQuotaViolation}). Token quotas are
 *       charged by reservation: estimated prompt tokens plus {@code max_tokens} (or the product's default). The
 *       product's objective is set as {@code x-gateway-inference-objective}; a stream that did not ask for usage is
 *       asked to include it.</li>
 *   <li>ResponseHeaders: OpenAI's {@code x-ratelimit-*} headers.</li>
 *   <li>ResponseBody: real usage is read from the body or the stream's usage chunk (which is removed when the
 *       client did not ask for it), or counted from the streamed text when none comes; at the end the reservation is
 *       settled with it. A response with an error status refunds the tokens.</li>
 * </ol>
 *
 * <p>Every request is settled at its end ({@link ExtensionCall#onEnd()}), on every path: a request that ended
 * before its response was complete (a client that left mid-stream) is charged for what was generated so far; one
 * that never reached a model server (no route, no capacity, shed, refused later in the chain) gets its reservation
 * back. At the same moment its {@link AnalyticsRecord} is counted in the per-product metrics and queued for the
 * analytics store. A product's {@code priority} is set as the request's objective priority
 * ({@link ExtensionCall#priority(int)}), whatever pool it is routed to. Keys never appear in logs, fault bodies,
 * analytics or the request sent upstream (unless {@code stripCredentials} is false).
 */
final class ApiManagementExtension implements Extension {

    private static final Logger logger = LoggerFactory.getLogger(ApiManagementExtension.class);

    /** The request header the endpoint picker reads the objective (and so the priority) from. */
    static final String OBJECTIVE_HEADER = "x-gateway-inference-objective";

    private static final String JSON = MediaType.JSON_UTF_8.toString();
    private static final int MAX_BUFFERED_BODY = 8 << 20;

    private final ApiManagement apim;
    private final ApiManagementSettings settings;
    private final RateLimiter limiter;
    private final CredentialCache credentials;
    /** Whether the chain sends response bodies, where streamed usage is read (and asked for). */
    private final boolean readsResponseBody;
    private final String stateKey;
    private final @Nullable AnalyticsWriter analytics;

    ApiManagementExtension(ApiManagement apim, ExtensionSpec spec, ApiManagementSettings settings) {
        if (!spec.supportedEvents().contains(ExtensionEvent.REQUEST_HEADERS.configName()) ||
            !spec.supportedEvents().contains(ExtensionEvent.REQUEST_BODY.configName())) {
            throw new IllegalArgumentException("extension " + spec.name() + ": supportedEvents: " +
                                               spec.supportedEvents() + " (expected: at least RequestHeaders and " +
                                               "RequestBody; add ResponseHeaders and ResponseBody for rate-limit " +
                                               "headers and token accounting)");
        }
        this.apim = apim;
        limiter = apim.limiter(settings);
        this.settings = settings;
        credentials = apim.credentials(settings);
        readsResponseBody = spec.supportedEvents().contains(ExtensionEvent.RESPONSE_BODY.configName());
        stateKey = ApiManagement.SERVICE + ':' + spec.name();
        analytics = apim.analytics(settings);
    }

    @Override
    public CompletableFuture<ExtensionResult> handle(ExtensionCall call, ExtensionMessage message) {
        Flow flow = (Flow) call.state().get(stateKey);
        if (flow == null) {
            flow = new Flow();
            call.state().put(stateKey, flow);
            final Flow f = flow;
            final AnalyticsWriter w = analytics;
            if (w != null) {
                w.begin();
            }
            call.onEnd().thenAccept(end -> onEnd(call, f, end, w));
        }
        return switch (message.event()) {
            case REQUEST_HEADERS -> onRequestHeaders(call, flow, ((ExtensionMessage.Headers) message).headers());
            case REQUEST_BODY -> onRequestBody(call, flow, (ExtensionMessage.Body) message);
            case RESPONSE_HEADERS -> done(onResponseHeaders(flow, ((ExtensionMessage.Headers) message).headers()));
            case RESPONSE_BODY -> done(onResponseBody(flow, (ExtensionMessage.Body) message));
            default -> done(ExtensionResult.proceed());
        };
    }

    /* ------------------------------------------------------------------------------------------ request headers */

    private CompletableFuture<ExtensionResult> onRequestHeaders(ExtensionCall call, Flow flow, HttpHeaders headers) {
        if (!(headers instanceof RequestHeaders req)) {
            return done(ExtensionResult.proceed());
        }
        flow.path = pathOnly(req.path());
        flow.method = req.method().name();
        String header = null;
        String key = null;
        for (String h : settings.keyHeaders()) {
            final String v = req.get(h);
            final String k = v == null ? null : "authorization".equals(h) ? bearer(v) : v.strip();
            if (k != null && !k.isEmpty()) {
                header = h;
                key = k;
                break;
            }
        }
        if (key == null) {
            flow.fault = settings.defaultSecurityEnabled()
                         ? ApigeeFault.insufficientRequest()
                         : ApigeeFault.failedToResolveApiKey("request.header." + settings.keyHeaders().get(0));
            return fault(call, flow.fault, null);
        }
        final String keyHeader = header;
        final byte[] hash = ApiKeys.hash(key);
        return credentials.lookup(hash).thenApply(found -> verify(call, flow, found, keyHeader));
    }

    private ExtensionResult verify(ExtensionCall call, Flow flow, Optional<Credential> found, String keyHeader) {
        if (found.isEmpty()) {
            flow.fault = ApigeeFault.invalidApiKey();
            return faultResult(call, flow.fault, null);
        }
        final Credential c = found.get();
        flow.identified = c;
        final Instant now = apim.clock().instant();
        final ApigeeFault fault;
        if (c.key().status() != ApiKey.Status.APPROVED) {
            fault = ApigeeFault.apiKeyNotApproved();
        } else if (c.key().isExpired(now)) {
            fault = ApigeeFault.consumerKeyExpired();
        } else if (c.app().status() != App.Status.APPROVED) {
            fault = ApigeeFault.appNotApproved();
        } else if (c.developer().status() != Developer.Status.ACTIVE) {
            fault = ApigeeFault.developerStatusNotActive();
        } else {
            final ProductCatalog catalog = apim.catalog();
            final List<ApiProduct> candidates = new ArrayList<>();
            for (String name : c.app().products()) {
                final ApiProduct p = catalog.get(name);
                if (p != null && p.allowsOperation(flow.path, flow.method)) {
                    candidates.add(p);
                }
            }
            fault = candidates.isEmpty() ? ApigeeFault.invalidApiKeyForGivenResource() : null;
            flow.candidates = candidates;
        }
        if (fault != null) {
            flow.fault = fault;
            return faultResult(call, fault, c);
        }
        flow.credential = c;
        credentials.recordUse(c.key().id());
        final List<String> remove = new ArrayList<>(2);
        if (settings.stripCredentials()) {
            remove.add(keyHeader);
        }
        if (!settings.trustClientObjective()) {
            remove.add(OBJECTIVE_HEADER);
        }
        return remove.isEmpty() ? ExtensionResult.proceed()
                                : new ExtensionResult.Continue(Map.of(), List.copyOf(remove), null);
    }

    /* ------------------------------------------------------------------------------------------ request body */

    private CompletableFuture<ExtensionResult> onRequestBody(ExtensionCall call, Flow flow,
                                                             ExtensionMessage.Body body) {
        final Credential c = flow.credential;
        if (c == null) {
            // RequestHeaders answered already; nothing reaches here without a verified key.
            return done(ExtensionResult.proceed());
        }
        final OpenAiRequest req = call.request();
        final String model = req != null ? req.model() : null;
        ApiProduct product = null;
        for (ApiProduct p : flow.candidates) {
            if (p.allowsModel(model)) {
                product = p;
                break;
            }
        }
        if (product == null) {
            flow.fault = ApigeeFault.noApiProductMatchFound();
            return fault(call, flow.fault, c);
        }
        final ApiProduct chosen = product;
        final String identifier = chosen.quotaIdentifier().of(c);
        final long input = req != null ? apim.estimator().prompt(req) : 0;
        final long output = outputReservation(req, chosen, flow.path);
        final List<Charge> charges = new ArrayList<>(chosen.quotas().size());
        final String counter = chosen.name() + '|' + chosen.quotaIdentifier().name().toLowerCase(Locale.ROOT) +
                               ':' + identifier;
        for (Quota q : chosen.quotas()) {
            charges.add(new Charge(counter, q, q.metric().cost(input, output)));
        }
        final SpikeCheck spike = chosen.spikeArrest() != null ? new SpikeCheck(counter, chosen.spikeArrest())
                                                              : null;
        if (charges.isEmpty() && spike == null) {
            return done(admitted(call, flow, chosen, null, body, req, input));
        }
        return limiter.admit(new AdmissionRequest(spike, charges)).thenApply(a -> {
            if (a.allowed()) {
                return admitted(call, flow, chosen, a, body, req, input);
            }
            final RateLimiter.Violation v = a.violation();
            final ApigeeFault fault;
            if (v.isSpikeArrest()) {
                fault = ApigeeFault.spikeArrestViolation(chosen.spikeArrest());
            } else if (v.charge().quota().metric().isTokens()) {
                fault = ApigeeFault.llmTokenQuotaViolation(identifier);
            } else {
                fault = ApigeeFault.quotaViolation(identifier);
            }
            final Map<String, String> headers = new LinkedHashMap<>(
                    RateLimitHeaders.of(a.quotas(), apim.clock().instant()));
            headers.put("retry-after", String.valueOf(Math.max(1, (v.retryAfter().toMillis() + 999) / 1000)));
            flow.fault = fault;
            flow.product = chosen;
            return faultResult(call, fault, c, headers);
        }).exceptionally(e -> limiterFailed(call, c, e));
    }

    /** A shared limiter failing closed answers 503; any other failure goes on to the chain's failOpen handling. */
    private ExtensionResult limiterFailed(ExtensionCall call, Credential c, Throwable e) {
        final Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                                ? e.getCause() : e;
        if (cause instanceof RateLimiterUnavailableException) {
            return faultResult(call, ApigeeFault.quotaStoreUnavailable(), c, Map.of("retry-after", "1"));
        }
        throw e instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(cause);
    }

    private long outputReservation(@Nullable OpenAiRequest req, ApiProduct product, String path) {
        if (req == null || path.endsWith("/embeddings")) {
            return 0;
        }
        if (req.maxTokens() != null) {
            return Math.max(0, req.maxTokens());
        }
        return product.defaultMaxTokens() != null ? product.defaultMaxTokens() : settings.defaultMaxTokens();
    }

    private ExtensionResult admitted(ExtensionCall call, Flow flow, ApiProduct product, @Nullable Admission a,
                                     ExtensionMessage.Body body, @Nullable OpenAiRequest req, long input) {
        flow.product = product;
        flow.admission = a;
        final Reservation reservation = a != null ? a.reservation() : Reservation.none();
        final UsageListener listener = apim.usageListener();
        // Always settled, even without a reservation: analytics and the per-product metrics need the tokens too.
        final Credential c = flow.credential;
        final UsageListener.UsageRecord template = new UsageListener.UsageRecord(
                call.requestId(), product.name(), c.app().id(), c.developer().id(), c.key().id(),
                req != null ? req.model() : null, 0, 0, false, UsageListener.Outcome.COMPLETED);
        final Settlement settlement = new Settlement(limiter, reservation, input, listener, template);
        final ExchangeEnd endedAlready;
        synchronized (flow) {
            // A limiter that answers on its own thread may answer after the client left and the exchange ended.
            flow.settlement = settlement;
            endedAlready = flow.end;
        }
        if (endedAlready != null) {
            settlement.end(endedAlready);
        }
        if (product.priority() != null) {
            // Honoured by the flow control of whichever pool the request is routed to.
            call.priority(product.priority());
        }

        final Map<String, String> set = product.objective() != null ? Map.of(OBJECTIVE_HEADER, product.objective())
                                                                    : Map.of();
        HttpData newBody = null;
        if (readsResponseBody && settings.includeUsage() && req != null && req.stream() && !req.includeUsage() &&
            flow.settlement != null) {
            final byte[] rewritten = StreamOptions.withIncludeUsage(body.data().array(), req.hasStreamOptions());
            if (rewritten != null) {
                newBody = HttpData.wrap(rewritten);
                flow.hideUsage = true;
            }
        }
        if (logger.isDebugEnabled()) {
            logger.debug("[{}] {} key {} app {} product {}", call.requestId(), "admitted", flow.credential.key().id(),
                         flow.credential.app().id(), product.name());
        }
        return set.isEmpty() && newBody == null ? ExtensionResult.proceed()
                                                : new ExtensionResult.Continue(set, List.of(), newBody);
    }

    /* ------------------------------------------------------------------------------------------ response */

    private ExtensionResult onResponseHeaders(Flow flow, HttpHeaders headers) {
        final Settlement s = flow.settlement;
        if (headers instanceof ResponseHeaders res) {
            final MediaType type = res.contentType();
            flow.sse = type != null && type.is(MediaType.EVENT_STREAM);
            if (s != null) {
                s.responseStarted = true;
                s.upstreamFailed = !res.status().isSuccess();
            }
        }
        final Admission a = flow.admission;
        if (a == null || a.quotas().isEmpty()) {
            return ExtensionResult.proceed();
        }
        return ExtensionResult.setHeaders(RateLimitHeaders.of(a.quotas(), apim.clock().instant()));
    }

    private ExtensionResult onResponseBody(Flow flow, ExtensionMessage.Body body) {
        final Settlement s = flow.settlement;
        if (s == null) {
            return ExtensionResult.proceed();
        }
        s.responseStarted = true;
        ExtensionResult result = ExtensionResult.proceed();
        if (flow.sse) {
            final byte[] kept = readEvents(flow, s, body.data().array());
            if (kept != null) {
                result = ExtensionResult.replaceBody(HttpData.wrap(kept));
            }
        } else {
            readWhole(flow, s, body);
        }
        if (body.endOfStream()) {
            s.finish();
        }
        return result;
    }

    /** Reads a run of whole events; returns the run without the usage chunk when it must be hidden, else null. */
    private static byte @Nullable [] readEvents(Flow flow, Settlement s, byte[] run) {
        if (run.length == 0) {
            return null;
        }
        final SseFrameSplitter splitter = new SseFrameSplitter();
        final List<byte[]> events = new ArrayList<>(splitter.feed(run));
        final byte[] rest = splitter.drain();
        if (rest.length > 0) {
            events.add(rest);
        }
        ByteArrayOutputStream kept = null;
        for (int i = 0; i < events.size(); i++) {
            final byte[] event = events.get(i);
            final String data = SseFrameSplitter.data(event);
            boolean drop = false;
            if (data != null && !data.startsWith("[DONE]")) {
                final byte[] json = data.getBytes(StandardCharsets.UTF_8);
                final Usage u = Usage.parse(json, 0, json.length);
                final ResponseChunks.Chunk chunk = ResponseChunks.read(json, 0, json.length);
                if (u != null) {
                    s.usage(u);
                    drop = flow.hideUsage && chunk.choicesEmpty();
                }
                s.counted += (Math.max(chunk.choicesWithText(), chunk.textChars() / 4));
            }
            if (drop && kept == null) {
                kept = new ByteArrayOutputStream(run.length);
                for (int j = 0; j < i; j++) {
                    kept.writeBytes(events.get(j));
                }
            } else if (!drop && kept != null) {
                kept.writeBytes(event);
            }
        }
        return kept == null ? null : kept.toByteArray();
    }

    private static void readWhole(Flow flow, Settlement s, ExtensionMessage.Body body) {
        final HttpData data = body.data();
        byte[] whole;
        if (body.endOfStream() && flow.buffered == null) {
            whole = data.array();
        } else {
            if (flow.buffered == null) {
                flow.buffered = new ByteArrayOutputStream();
            }
            if (flow.buffered.size() + data.length() <= MAX_BUFFERED_BODY) {
                flow.buffered.writeBytes(data.array());
            }
            if (!body.endOfStream()) {
                return;
            }
            whole = flow.buffered.toByteArray();
        }
        final Usage u = Usage.parse(whole, 0, whole.length);
        if (u != null) {
            s.usage(u);
        } else {
            final ResponseChunks.Chunk chunk = ResponseChunks.read(whole, 0, whole.length);
            s.counted += (Math.max(chunk.choicesWithText(), (chunk.textChars() + 3) / 4));
        }
    }

    /* ------------------------------------------------------------------------------------------ end */

    /**
     * Settles the request's reservation with what is known at its end, and counts and queues its analytics record;
     * runs once per request, on its event loop, after its last event.
     */
    private void onEnd(ExtensionCall call, Flow flow, ExchangeEnd end, @Nullable AnalyticsWriter writer) {
        boolean submitted = false;
        try {
            final Settlement s;
            synchronized (flow) {
                flow.end = end;
                s = flow.settlement;
            }
            if (s != null) {
                s.end(end);
            }
            final Credential c = flow.credential != null ? flow.credential : flow.identified;
            final OpenAiRequest req = call.request();
            final Instant time = end.startEpochMicros() > 0
                                 ? Instant.EPOCH.plusNanos(end.startEpochMicros() * 1000)
                                 : apim.clock().instant();
            final AnalyticsRecord record = new AnalyticsRecord(
                    UUID.randomUUID().toString(), time, call.requestId(), c != null ? c.key().id() : null,
                    c != null ? c.app().id() : null, c != null ? c.developer().id() : null,
                    flow.product != null ? flow.product.name() : null, req != null ? req.model() : null,
                    end.targetModel(), end.pool(), end.status(), Math.max(0, end.totalNanos() / 1000),
                    Math.max(0, end.upstreamNanos() / 1000),
                    s != null ? s.chargedInput : Math.max(0, end.inputTokens()),
                    s != null ? s.chargedOutput : Math.max(0, end.outputTokens()),
                    Math.max(0, end.cachedTokens()), Math.max(0, end.requestBytes()),
                    Math.max(0, end.responseBytes()), errorCode(flow, end));
            submitted = true;
            apim.record(writer, record);
        } catch (RuntimeException e) {
            logger.warn("[{}] cannot settle or record the request: {}", call.requestId(), e.toString());
        } finally {
            if (writer != null && !submitted) {
                writer.abandon();
            }
        }
    }

    /** Apigee's errorcode for our faults, the gateway's error kind for its own, {@code http_<status>} for others. */
    private static @Nullable String errorCode(Flow flow, ExchangeEnd end) {
        if (flow.fault != null && end.status() == flow.fault.status().code()) {
            return flow.fault.errorCode();
        }
        final String detail = end.errorDetail();
        if (detail != null && !detail.isEmpty()) {
            final int semi = detail.indexOf(';');
            return semi < 0 ? detail : detail.substring(0, semi);
        }
        return end.status() >= 400 || end.status() == 0 ? "http_" + end.status() : null;
    }

    /* ------------------------------------------------------------------------------------------ faults */

    private CompletableFuture<ExtensionResult> fault(ExtensionCall call, ApigeeFault fault,
                                                     @Nullable Credential c) {
        return done(faultResult(call, fault, c));
    }

    private static ExtensionResult faultResult(ExtensionCall call, ApigeeFault fault, @Nullable Credential c) {
        return faultResult(call, fault, c, Map.of());
    }

    private static ExtensionResult faultResult(ExtensionCall call, ApigeeFault fault, @Nullable Credential c,
                                               Map<String, String> extraHeaders) {
        if (logger.isDebugEnabled()) {
            // The key id and app, never the key.
            logger.debug("[{}] {} key {} app {}", call.requestId(), fault.name(),
                         c != null ? c.key().id() : "-", c != null ? c.app().id() : "-");
        }
        final Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", JSON);
        headers.putAll(extraHeaders);
        return new ExtensionResult.ImmediateResponse(fault.status(), headers, HttpData.wrap(fault.body()));
    }

    private static CompletableFuture<ExtensionResult> done(ExtensionResult r) {
        return CompletableFuture.completedFuture(r);
    }

    private static @Nullable String bearer(String authorization) {
        final String v = authorization.strip();
        if (v.length() > 7 && v.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return v.substring(7).strip();
        }
        return null;
    }

    private static String pathOnly(String pathAndQuery) {
        final int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    /* ------------------------------------------------------------------------------------------ state */

    /**
     * One request's state, kept in {@link ExtensionCall#state()}; touched on the request's event loop, except that a
     * limiter may answer on its own thread, which is why {@code settlement} and {@code end} are set under its lock.
     */
    private static final class Flow {
        String path = "";
        String method = "";
        @Nullable Credential credential;
        /** The key's credential once found, even when a later check refused it (for analytics). */
        @Nullable Credential identified;
        /** The fault API management answered with, if any. */
        @Nullable ApigeeFault fault;
        /** How the exchange ended, once it has (guarded by the flow's lock, with {@link #settlement}). */
        @Nullable ExchangeEnd end;
        List<ApiProduct> candidates = List.of();
        @Nullable ApiProduct product;
        @Nullable Admission admission;
        @Nullable Settlement settlement;
        boolean sse;
        boolean hideUsage;
        @Nullable ByteArrayOutputStream buffered;
    }

    /**
     * A request's reservation and what is known of its real use; settled once, at the end of the response body or
     * at the end of the exchange, whichever comes first. Fed on the request's event loop; settling is synchronized
     * because a limiter answering on its own thread may settle a request whose exchange already ended.
     */
    static final class Settlement {
        private final RateLimiter limiter;
        private final Reservation reservation;
        private final long estimatedInput;
        long counted;
        boolean responseStarted;
        boolean upstreamFailed;
        private long usageInput = -1;
        private long usageOutput = -1;
        private final UsageListener listener;
        private final UsageListener.UsageRecord template;
        private boolean done;
        /** What was charged when settled (for analytics). */
        long chargedInput;
        long chargedOutput;

        Settlement(RateLimiter limiter, Reservation reservation, long estimatedInput, UsageListener listener,
                   UsageListener.UsageRecord template) {
            this.limiter = limiter;
            this.reservation = reservation;
            this.estimatedInput = estimatedInput;
            this.listener = listener;
            this.template = template;
        }

        void usage(Usage u) {
            if (u.promptTokens() >= 0) {
                usageInput = u.promptTokens();
            }
            if (u.completionTokens() >= 0) {
                usageOutput = u.completionTokens();
            }
        }

        /** The response body ended: settles with what it reported, or what was counted. */
        void finish() {
            settle(UsageListener.Outcome.COMPLETED, -1, -1);
        }

        /**
         * The exchange ended. If the response body's end was not seen, settles now: nothing for a request no model
         * server answered (or answered with an error status); for one whose response started, what the model
         * server reported or what was generated so far (the gateway's count of streamed tokens, or the extension's
         * own, whichever is larger).
         */
        synchronized void end(ExchangeEnd end) {
            if (done) {
                return;
            }
            responseStarted |= end.upstreamResponded();
            if (end.upstreamResponded() && end.status() >= 400 && !end.clientCancelled()) {
                upstreamFailed = true;
            }
            final UsageListener.Outcome outcome;
            if (!responseStarted || upstreamFailed) {
                outcome = upstreamFailed ? UsageListener.Outcome.UPSTREAM_ERROR
                                         : UsageListener.Outcome.ABANDONED_BEFORE_RESPONSE;
            } else {
                outcome = end.clientCancelled() || end.upstreamFailed()
                          ? UsageListener.Outcome.ABANDONED_AFTER_RESPONSE : UsageListener.Outcome.COMPLETED;
            }
            settle(outcome, end.inputTokens(), end.outputTokens());
        }

        private synchronized void settle(UsageListener.Outcome requested, long gatewayInput, long gatewayOutput) {
            if (done) {
                return;
            }
            done = true;
            final long in;
            final long out;
            final UsageListener.Outcome outcome;
            if (!responseStarted || upstreamFailed) {
                // The model server did no work for the client: give the tokens back.
                in = 0;
                out = 0;
                outcome = upstreamFailed ? UsageListener.Outcome.UPSTREAM_ERROR
                                         : UsageListener.Outcome.ABANDONED_BEFORE_RESPONSE;
            } else {
                in = usageInput >= 0 ? usageInput : gatewayInput >= 0 ? gatewayInput : estimatedInput;
                out = usageOutput >= 0 ? usageOutput : Math.max(counted, Math.max(0, gatewayOutput));
                outcome = requested;
            }
            chargedInput = in;
            chargedOutput = out;
            if (!reservation.held().isEmpty()) {
                limiter.settle(reservation, in, out).whenComplete((unused, cause) -> {
                    if (cause != null) {
                        logger.warn("token reservation could not be settled: {}", cause.toString());
                    }
                });
            }
            if (listener == UsageListener.NOOP) {
                return;
            }
            final UsageListener.UsageRecord t = template;
            try {
                listener.onSettled(new UsageListener.UsageRecord(
                        t.requestId(), t.product(), t.appId(), t.developerId(), t.keyId(), t.model(), in, out,
                        usageInput >= 0 && usageOutput >= 0 && outcome == UsageListener.Outcome.COMPLETED,
                        outcome));
            } catch (RuntimeException e) {
                logger.warn("usage listener failed: {}", e.toString());
            }
        }
    }
}

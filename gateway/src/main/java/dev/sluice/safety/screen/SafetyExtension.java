package dev.sluice.safety.screen;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.config.SafetySettings;
import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.OpenAiRequest;
import dev.sluice.safety.Direction;
import dev.sluice.safety.detect.Deidentifier;
import dev.sluice.safety.template.SafetyTemplate;
import dev.sluice.safety.template.Sanitization;

/**
 * The {@code safety} traffic extension: screens prompts at RequestBody and responses at ResponseBody with the
 * templates {@code model_armor_settings} names for the request's model, and blocks, de-identifies or only records
 * what matches, as the template says.
 *
 * <ul>
 *   <li>A match blocks with the template's status and message ({@link BlockResponses}), unless the template is
 *       INSPECT_ONLY (the exchange goes on; metrics and the sanitize log record it) or the only match is sensitive
 *       data the template de-identifies (the text goes on de-identified).</li>
 *   <li>Streamed responses are screened as they flow by a {@link StreamScreener}: text reaches the client only once
 *       screened, less than {@code stream_holdback_tokens} behind (tokens counted as text-carrying chunks, at most
 *       four characters each), screening once per eighth of that, one scan at a time per stream; a violation ends
 *       the stream with an error event.</li>
 *   <li>Requests that are not OpenAI inference calls, models without templates, and error responses pass
 *       untouched.</li>
 * </ul>
 *
 * Scans run on the module's blocking executor; the chain's timeout and {@code failOpen} apply to each call (a
 * template that disappeared in a reload, or a fail-closed guard that failed, fails the call).
 */
final class SafetyExtension implements Extension {

    private static final int MAX_BUFFERED_BODY = 8 << 20;

    private final Safety safety;
    private final SafetySettings settings;
    private final String stateKey;

    SafetyExtension(Safety safety, ExtensionSpec spec, SafetySettings settings) {
        this.safety = safety;
        this.settings = settings;
        stateKey = Safety.SERVICE + ':' + spec.name();
    }

    @Override
    public CompletableFuture<ExtensionResult> handle(ExtensionCall call, ExtensionMessage message) {
        final Flow flow = (Flow) call.state().computeIfAbsent(stateKey, k -> new Flow());
        return switch (message.event()) {
            case REQUEST_BODY -> onRequestBody(call, (ExtensionMessage.Body) message);
            case RESPONSE_HEADERS -> {
                if (((ExtensionMessage.Headers) message).headers() instanceof ResponseHeaders h) {
                    final MediaType type = h.contentType();
                    flow.sse = type != null && type.is(MediaType.EVENT_STREAM);
                    flow.failedUpstream = !h.status().isSuccess();
                    flow.sawHeaders = true;
                }
                yield done(ExtensionResult.proceed());
            }
            case RESPONSE_BODY -> onResponseBody(call, flow, (ExtensionMessage.Body) message);
            default -> done(ExtensionResult.proceed());
        };
    }

    /* ------------------------------------------------------------------------------------------ prompt */

    private CompletableFuture<ExtensionResult> onRequestBody(ExtensionCall call, ExtensionMessage.Body body) {
        final OpenAiRequest req = call.request();
        final SafetySettings.Templates names = req != null ? settings.forModel(req.model()) : null;
        if (names == null || names.prompt() == null) {
            return done(ExtensionResult.proceed());
        }
        final SafetyTemplate template = template(names.prompt());
        final byte[] bytes = body.data().array();
        final TextPieces pieces = TextPieces.prompt(bytes);
        if (pieces == null || pieces.isEmpty()) {
            return done(ExtensionResult.proceed());
        }
        final String text = pieces.text();
        return safety.screener().screen(template, text, Direction.PROMPT).thenApply(screened -> {
            final Sanitization s = screened.result();
            SanitizeLog.log(template, Direction.PROMPT, text, s, call.requestId(), "SLUICE_EXTENSION");
            return decide(template, Direction.PROMPT, s, pieces);
        });
    }

    /* ------------------------------------------------------------------------------------------ response */

    private CompletableFuture<ExtensionResult> onResponseBody(ExtensionCall call, Flow flow,
                                                              ExtensionMessage.Body body) {
        if (flow.failedUpstream) {
            return done(ExtensionResult.proceed());
        }
        final OpenAiRequest req = call.request();
        final SafetySettings.Templates names = req != null ? settings.forModel(req.model()) : null;
        if (names == null || names.response() == null) {
            return done(ExtensionResult.proceed());
        }
        final boolean sse = flow.sawHeaders ? flow.sse : req.stream();
        if (sse) {
            StreamScreener stream = flow.stream;
            if (stream == null) {
                stream = new StreamScreener(template(names.response()), settings.holdbackTokens(),
                        settings.holdbackChars(), safety.screener(), safety::metrics, call.requestId());
                flow.stream = stream;
            }
            return stream.onEvents(body.data().array(), body.endOfStream());
        }
        // A whole JSON answer arrives in one call on OpenAI paths; other bodies are gathered up to the end.
        final byte[] whole;
        if (body.endOfStream() && flow.buffered == null) {
            whole = body.data().array();
        } else {
            if (flow.buffered == null) {
                flow.buffered = new ByteArrayOutputStream();
            }
            if (flow.buffered.size() + body.data().length() > MAX_BUFFERED_BODY) {
                throw new IllegalStateException("response body over " + MAX_BUFFERED_BODY +
                                                " bytes cannot be screened");
            }
            flow.buffered.writeBytes(body.data().array());
            if (!body.endOfStream()) {
                return done(ExtensionResult.replaceBody(HttpData.empty()));
            }
            whole = flow.buffered.toByteArray();
        }
        final SafetyTemplate template = template(names.response());
        final TextPieces pieces = TextPieces.response(whole);
        if (pieces == null || pieces.isEmpty()) {
            return done(flow.buffered == null ? ExtensionResult.proceed()
                                              : ExtensionResult.replaceBody(HttpData.wrap(whole)));
        }
        final String text = pieces.text();
        final boolean rebuffered = flow.buffered != null;
        return safety.screener().screen(template, text, Direction.RESPONSE).thenApply(screened -> {
            final Sanitization s = screened.result();
            SanitizeLog.log(template, Direction.RESPONSE, text, s, call.requestId(), "SLUICE_EXTENSION");
            final ExtensionResult r = decide(template, Direction.RESPONSE, s, pieces);
            if (rebuffered && r instanceof ExtensionResult.Continue c && c.body() == null) {
                return ExtensionResult.replaceBody(HttpData.wrap(whole));
            }
            return r;
        });
    }

    /* ------------------------------------------------------------------------------------------ verdicts */

    private ExtensionResult decide(SafetyTemplate template, Direction direction, Sanitization s,
                                   TextPieces pieces) {
        if (!s.matched()) {
            return ExtensionResult.proceed();
        }
        if (template.inspectOnly()) {
            safety.metrics().action(template.name(), direction, "inspect_only");
            return ExtensionResult.proceed();
        }
        if (s.onlyDeidentified()) {
            safety.metrics().action(template.name(), direction, "deidentified");
            final SafetyTemplate.Deidentify d = template.sdp().deidentify();
            final var transformed = s.sdp().findings().stream()
                                     .filter(f -> d.infoTypes().contains(f.infoType())).toList();
            final byte[] body = pieces.rewrite(transformed, (text, inside) ->
                    d.transform() == SafetyTemplate.Transform.MASK
                    ? Deidentifier.mask(text, inside, d.maskingCharacter())
                    : Deidentifier.replaceWithInfoType(text, inside));
            return ExtensionResult.replaceBody(HttpData.wrap(body));
        }
        safety.metrics().action(template.name(), direction, "blocked");
        return BlockResponses.result(template, direction);
    }

    private SafetyTemplate template(String name) {
        final SafetyTemplate t = safety.template(name);
        if (t == null) {
            // Validation checks references; this happens only if a reload removed the template mid-flight.
            throw new IllegalStateException("safety template " + name + " is not in the served configuration");
        }
        return t;
    }

    private static CompletableFuture<ExtensionResult> done(ExtensionResult r) {
        return CompletableFuture.completedFuture(r);
    }

    /** One request's state, kept in {@link ExtensionCall#state()}. */
    private static final class Flow {
        boolean sse;
        boolean sawHeaders;
        boolean failedUpstream;
        @Nullable StreamScreener stream;
        @Nullable ByteArrayOutputStream buffered;
    }
}

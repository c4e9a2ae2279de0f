package dev.sluice.safety.screen;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import dev.sluice.safety.Direction;
import dev.sluice.safety.template.SafetyTemplate;
import dev.sluice.safety.template.SanitizationJson;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Model Armor's sanitize API on the admin listener:
 * {@code POST /v1/projects/{p}/locations/{l}/templates/{t}:sanitizeUserPrompt} (body {@code userPromptData.text}) and
 * {@code :sanitizeModelResponse} (body {@code modelResponseData.text}). Any project and location are accepted; the
 * template is the {@code SafetyTemplate} named {@code t} in the configuration being served. Errors use Google's
 * {@code {"error": {code, message, status}}} envelope.
 */
final class SanitizeService implements HttpService {

    /** The path prefix the service is mounted under. */
    static final String PREFIX = "/v1/projects/";

    private static final Pattern PATH = Pattern.compile(
            "/v1/projects/([^/]+)/locations/([^/]+)/templates/([^/:]+):(sanitizeUserPrompt|sanitizeModelResponse)");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Safety safety;

    SanitizeService(Safety safety) {
        this.safety = safety;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        final String path = ctx.path();
        final Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            return error(HttpStatus.NOT_FOUND, "NOT_FOUND", "Method not found: " + path +
                         " (expected: /v1/projects/{project}/locations/{location}/templates/{template}" +
                         ":sanitizeUserPrompt or :sanitizeModelResponse)");
        }
        if (req.method() != HttpMethod.POST) {
            return error(HttpStatus.METHOD_NOT_ALLOWED, "INVALID_ARGUMENT",
                         "Method " + req.method() + " not allowed (expected: POST)");
        }
        final String templateName = m.group(3);
        final Direction direction = "sanitizeUserPrompt".equals(m.group(4)) ? Direction.PROMPT : Direction.RESPONSE;
        final String resource = "projects/" + m.group(1) + "/locations/" + m.group(2) + "/templates/" + templateName;
        return HttpResponse.of(req.aggregate().thenCompose(agg -> {
            final SafetyTemplate template = safety.template(templateName);
            if (template == null) {
                return done(error(HttpStatus.NOT_FOUND, "NOT_FOUND", "Template " + resource + " not found " +
                                  "(known: " + safety.templateNames() + ')'));
            }
            final String text;
            try {
                text = text(agg, direction);
            } catch (BadRequest e) {
                return done(error(HttpStatus.BAD_REQUEST, "INVALID_ARGUMENT", e.getMessage()));
            }
            return safety.screener().screen(template, text, direction).handle((screened, cause) -> {
                if (cause != null) {
                    final Throwable t = cause instanceof CompletionException && cause.getCause() != null
                                        ? cause.getCause() : cause;
                    return error(HttpStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE",
                                 "Screening failed: " + t.getMessage());
                }
                SanitizeLog.log(template, direction, text, screened.result(),
                                ctx.id().text(), "SANITIZE_API");
                final ObjectNode body = SanitizationJson.response(screened.result(), text);
                return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, JSON.writeValueAsString(body));
            });
        }));
    }

    private static String text(AggregatedHttpRequest agg, Direction direction) throws BadRequest {
        final String field = direction == Direction.PROMPT ? "userPromptData" : "modelResponseData";
        final JsonNode root;
        try {
            root = JSON.readTree(agg.content().array());
        } catch (JacksonException e) {
            throw new BadRequest("Invalid JSON payload received. " + firstLine(e.getOriginalMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new BadRequest("Invalid JSON payload received. Expected a JSON object with " + field + '.');
        }
        final JsonNode data = root.get(field);
        if (data == null || data.isNull()) {
            throw new BadRequest(field + " is required (expected: {\"" + field + "\": {\"text\": \"...\"}})");
        }
        if (!data.isObject()) {
            throw new BadRequest(field + " must be an object with a text field");
        }
        if (data.has("byteItem")) {
            throw new BadRequest(field + ".byteItem is not supported (expected: " + field + ".text)");
        }
        final JsonNode text = data.get("text");
        if (text == null || !text.isString()) {
            throw new BadRequest(field + ".text is required and must be a string");
        }
        return text.asString();
    }

    private static String firstLine(@Nullable String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static HttpResponse error(HttpStatus status, String grpcStatus, String message) {
        final ObjectNode root = JSON.createObjectNode();
        final ObjectNode e = root.putObject("error");
        e.put("code", status.code());
        e.put("message", message);
        e.put("status", grpcStatus);
        return HttpResponse.of(status, MediaType.JSON_UTF_8, JSON.writeValueAsString(root));
    }

    private static CompletableFuture<HttpResponse> done(HttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }
}

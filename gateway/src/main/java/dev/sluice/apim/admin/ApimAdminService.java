package dev.sluice.apim.admin;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

import dev.sluice.apim.ApiKey;
import dev.sluice.apim.App;
import dev.sluice.apim.CreatedKey;
import dev.sluice.apim.Developer;
import dev.sluice.apim.analytics.AnalyticsQuery;
import dev.sluice.apim.analytics.AnalyticsRecord;
import dev.sluice.apim.analytics.AnalyticsStore;
import dev.sluice.apim.analytics.TimeBounds;
import dev.sluice.apim.cli.AnalyticsCommand;
import dev.sluice.apim.store.KeyStore;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API management admin REST API, mounted on the admin listener (by default under {@value #PATH}). JSON in and
 * out; every request needs {@code Authorization: Bearer <admin token>}.
 *
 * <pre>
 * GET  /developers                      POST /developers {email, firstName?, lastName?}
 * GET  /developers/{idOrEmail}          POST /developers/{idOrEmail}/activate | /deactivate
 * GET  /apps[?developer=]               POST /apps {developer, name, products: [..]}
 * GET  /apps/{id}                       POST /apps/{id}/approve | /revoke       PUT /apps/{id}/products {products}
 * GET  /keys[?app=]                     POST /keys {app, expiresIn?}  (201; the key, shown this once)
 * GET  /keys/{id}                       POST /keys/{id}/revoke | /approve
 * POST /keys/{id}/rotate {grace?, expiresIn?}  (201; the new key, shown this once)
 * GET  /analytics?app=&amp;product=&amp;model=&amp;developer=&amp;since=&amp;until=&amp;groupBy=
 * GET  /analytics/records?limit=&amp;…
 * </pre>
 *
 * <p>Without a token configured the API is disabled and answers 404 to everything (so it does not reveal itself); a
 * request without a bearer token gets 401, one with a wrong token 403. Tokens are compared in constant time (as
 * SHA-256 digests, so their lengths do not show either). Errors are {@code {"error":{"message","code"}}}: 400 for
 * bad JSON or values, 404 for unknown ids and paths, 405 for a wrong method, 409 for a name already taken.
 */
public final class ApimAdminService implements HttpService {

    private static final Logger logger = LoggerFactory.getLogger(ApimAdminService.class);

    /** Where {@code sluice serve} mounts the API on the admin listener. */
    public static final String PATH = "/admin/apim";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KeyStore keys;
    private final @Nullable AnalyticsStore analytics;
    private final byte @Nullable [] tokenDigest;
    private final Clock clock;

    /**
     * Creates the API over {@code keys} and {@code analytics} (queries answer 404 without it); {@code token}
     * {@code null} or blank disables the API.
     */
    public ApimAdminService(KeyStore keys, @Nullable AnalyticsStore analytics, @Nullable String token, Clock clock) {
        this.keys = requireNonNull(keys, "keys");
        this.analytics = analytics;
        this.clock = requireNonNull(clock, "clock");
        tokenDigest = token == null || token.isBlank() ? null : sha256(token.strip());
    }

    /** Returns whether an admin token is configured. */
    public boolean isEnabled() {
        return tokenDigest != null;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        if (tokenDigest == null) {
            return error(HttpStatus.NOT_FOUND, "not_found", "The API management admin API is disabled: start the " +
                                                            "gateway with an admin token (SLUICE_ADMIN_TOKEN).");
        }
        final String auth = req.headers().get("authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || auth.length() <= 7) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
                                                  .contentType(MediaType.JSON_UTF_8)
                                                  .set("www-authenticate", "Bearer realm=\"sluice-admin\"").build(),
                                   com.linecorp.armeria.common.HttpData.ofUtf8(errorBody(
                                           "unauthorized", "An admin token is required (Authorization: Bearer).")));
        }
        if (!MessageDigest.isEqual(tokenDigest, sha256(auth.substring(7).strip()))) {
            return error(HttpStatus.FORBIDDEN, "forbidden", "The admin token is not valid.");
        }
        final String path = ctx.mappedPath();
        final HttpMethod method = req.method();
        final QueryParams query = QueryParams.fromQueryString(ctx.query());
        return HttpResponse.of(req.aggregate().thenApplyAsync(
                agg -> handle(method, path, query, agg), ctx.blockingTaskExecutor()));
    }

    private HttpResponse handle(HttpMethod method, String path, QueryParams query, AggregatedHttpRequest agg) {
        try {
            final List<String> seg = new ArrayList<>();
            for (String s : path.split("/")) {
                if (!s.isEmpty()) {
                    seg.add(java.net.URLDecoder.decode(s, StandardCharsets.UTF_8));
                }
            }
            if (seg.isEmpty()) {
                return notFound(path);
            }
            return switch (seg.get(0)) {
                case "developers" -> developers(method, seg, agg);
                case "apps" -> apps(method, seg, query, agg);
                case "keys" -> keys(method, seg, query, agg);
                case "analytics" -> analytics(method, seg, query);
                default -> notFound(path);
            };
        } catch (BadRequest e) {
            return error(HttpStatus.BAD_REQUEST, "bad_request", e.getMessage());
        } catch (NoSuchElementException e) {
            return error(HttpStatus.NOT_FOUND, "not_found", e.getMessage());
        } catch (IllegalArgumentException e) {
            final String m = String.valueOf(e.getMessage());
            return m.contains("already exists") ? error(HttpStatus.CONFLICT, "conflict", m)
                                                : error(HttpStatus.BAD_REQUEST, "bad_request", m);
        } catch (RuntimeException e) {
            logger.warn("admin API {} {} failed", method, path, e);
            return error(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error", "The request failed: " + e.getMessage());
        }
    }

    /* ------------------------------------------------------------------------------------------ developers */

    private HttpResponse developers(HttpMethod m, List<String> seg, AggregatedHttpRequest agg) {
        if (seg.size() == 1) {
            if (m == HttpMethod.GET) {
                return ok(keys.developers().stream().map(ApimAdminService::json).toList());
            }
            if (m == HttpMethod.POST) {
                final JsonNode body = body(agg);
                return created(json(keys.createDeveloper(required(body, "email"), optional(body, "firstName"),
                                                         optional(body, "lastName"))));
            }
            return notAllowed(m);
        }
        final String id = seg.get(1);
        if (seg.size() == 2) {
            return m == HttpMethod.GET ? ok(json(keys.developer(id).orElseThrow(() -> missing("developer", id))))
                                       : notAllowed(m);
        }
        if (seg.size() == 3 && m == HttpMethod.POST) {
            return switch (seg.get(2)) {
                case "activate" -> ok(json(keys.setDeveloperStatus(id, Developer.Status.ACTIVE)));
                case "deactivate" -> ok(json(keys.setDeveloperStatus(id, Developer.Status.INACTIVE)));
                default -> notFound(String.join("/", seg));
            };
        }
        return seg.size() == 3 ? notAllowed(m) : notFound(String.join("/", seg));
    }

    /* ------------------------------------------------------------------------------------------ apps */

    private HttpResponse apps(HttpMethod m, List<String> seg, QueryParams q, AggregatedHttpRequest agg) {
        if (seg.size() == 1) {
            if (m == HttpMethod.GET) {
                return ok(keys.apps(q.get("developer")).stream().map(ApimAdminService::json).toList());
            }
            if (m == HttpMethod.POST) {
                final JsonNode body = body(agg);
                return created(json(keys.createApp(required(body, "developer"), required(body, "name"),
                                                   strings(body, "products"))));
            }
            return notAllowed(m);
        }
        final String id = seg.get(1);
        if (seg.size() == 2) {
            return m == HttpMethod.GET ? ok(json(keys.app(id).orElseThrow(() -> missing("app", id))))
                                       : notAllowed(m);
        }
        if (seg.size() == 3) {
            switch (seg.get(2)) {
                case "approve":
                    return m == HttpMethod.POST ? ok(json(keys.setAppStatus(id, App.Status.APPROVED)))
                                                : notAllowed(m);
                case "revoke":
                    return m == HttpMethod.POST ? ok(json(keys.setAppStatus(id, App.Status.REVOKED)))
                                                : notAllowed(m);
                case "products":
                    return m == HttpMethod.PUT ? ok(json(keys.setAppProducts(id, strings(body(agg), "products"))))
                                               : notAllowed(m);
                default:
                    break;
            }
        }
        return notFound(String.join("/", seg));
    }

    /* ------------------------------------------------------------------------------------------ keys */

    private HttpResponse keys(HttpMethod m, List<String> seg, QueryParams q, AggregatedHttpRequest agg) {
        if (seg.size() == 1) {
            if (m == HttpMethod.GET) {
                return ok(keys.keys(q.get("app")).stream().map(ApimAdminService::json).toList());
            }
            if (m == HttpMethod.POST) {
                final JsonNode body = body(agg);
                final Duration life = duration(body, "expiresIn");
                return created(json(keys.createKey(required(body, "app"),
                                                   life != null ? clock.instant().plus(life) : null)));
            }
            return notAllowed(m);
        }
        final String id = seg.get(1);
        if (seg.size() == 2) {
            return m == HttpMethod.GET ? ok(json(keys.key(id).orElseThrow(() -> missing("key", id))))
                                       : notAllowed(m);
        }
        if (seg.size() == 3) {
            if (m != HttpMethod.POST) {
                return notAllowed(m);
            }
            switch (seg.get(2)) {
                case "revoke":
                    return ok(json(keys.setKeyStatus(id, ApiKey.Status.REVOKED)));
                case "approve":
                    return ok(json(keys.setKeyStatus(id, ApiKey.Status.APPROVED)));
                case "rotate": {
                    final JsonNode body = agg.content().isEmpty() ? JSON.createObjectNode() : body(agg);
                    final Instant now = clock.instant();
                    final Duration grace = duration(body, "grace");
                    final Duration life = duration(body, "expiresIn");
                    return created(json(keys.rotateKey(id, life != null ? now.plus(life) : null,
                                                       grace != null ? now.plus(grace) : null)));
                }
                default:
                    break;
            }
        }
        return notFound(String.join("/", seg));
    }

    /* ------------------------------------------------------------------------------------------ analytics */

    private HttpResponse analytics(HttpMethod m, List<String> seg, QueryParams q) {
        if (m != HttpMethod.GET) {
            return notAllowed(m);
        }
        final AnalyticsStore store = analytics;
        if (store == null) {
            return error(HttpStatus.NOT_FOUND, "not_found", "No analytics store is configured.");
        }
        final AnalyticsQuery query;
        try {
            query = new AnalyticsQuery(q.get("app"), q.get("product"), q.get("model"), q.get("developer"),
                                       TimeBounds.parse("since", q.get("since"), clock),
                                       TimeBounds.parse("until", q.get("until"), clock),
                                       AnalyticsQuery.Dimension.parseList(q.get("groupBy")));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
        if (seg.size() == 1) {
            return ok(Map.of("rows", store.summarize(query).stream().map(r -> AnalyticsCommand.json(query, r))
                                          .toList()));
        }
        if (seg.size() == 2 && "records".equals(seg.get(1))) {
            final int limit;
            try {
                limit = Integer.parseInt(q.get("limit", "100"));
            } catch (NumberFormatException e) {
                throw new BadRequest("limit: " + q.get("limit") + " (expected: an integer 1..10000)");
            }
            if (limit < 1 || limit > 10_000) {
                throw new BadRequest("limit: " + limit + " (expected: an integer 1..10000)");
            }
            return ok(Map.of("records", store.records(query, limit).stream().map(ApimAdminService::json).toList()));
        }
        return notFound(String.join("/", seg));
    }

    /* ------------------------------------------------------------------------------------------ JSON */

    static Map<String, Object> json(Developer d) {
        return fields("id", d.id(), "email", d.email(), "firstName", d.firstName(), "lastName", d.lastName(),
                      "status", d.status().wireName(), "createdAt", d.createdAt().toString());
    }

    static Map<String, Object> json(App a) {
        return fields("id", a.id(), "developerId", a.developerId(), "name", a.name(), "status",
                      a.status().wireName(), "products", a.products(), "createdAt", a.createdAt().toString());
    }

    static Map<String, Object> json(ApiKey k) {
        return fields("id", k.id(), "appId", k.appId(), "hint", "…" + k.hint(), "status", k.status().wireName(),
                      "createdAt", k.createdAt().toString(),
                      "expiresAt", k.expiresAt() != null ? k.expiresAt().toString() : null,
                      "lastUsedAt", k.lastUsedAt() != null ? k.lastUsedAt().toString() : null);
    }

    /** A new key: the only answer that carries the key itself. */
    static Map<String, Object> json(CreatedKey c) {
        final Map<String, Object> m = json(c.key());
        m.put("key", c.secret());
        return m;
    }

    static Map<String, Object> json(AnalyticsRecord r) {
        return fields("id", r.id(), "time", r.time().toString(), "requestId", r.requestId(), "keyId", r.keyId(),
                      "appId", r.appId(), "developerId", r.developerId(), "product", r.product(), "model",
                      r.model(), "targetModel", r.targetModel(), "pool", r.pool(), "status", r.status(),
                      "totalLatencyMs", r.totalLatencyMicros() / 1000.0, "upstreamLatencyMs",
                      r.upstreamLatencyMicros() / 1000.0, "inputTokens", r.inputTokens(), "outputTokens",
                      r.outputTokens(), "cachedTokens", r.cachedTokens(), "requestBytes", r.requestBytes(),
                      "responseBytes", r.responseBytes(), "errorCode", r.errorCode());
    }

    private static Map<String, Object> fields(@Nullable Object... kv) {
        final Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    private static JsonNode body(AggregatedHttpRequest agg) {
        if (agg.content().isEmpty()) {
            throw new BadRequest("a JSON object body is required");
        }
        final JsonNode n;
        try {
            n = JSON.readTree(agg.contentUtf8());
        } catch (JacksonException e) {
            throw new BadRequest("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new BadRequest("the body must be a JSON object");
        }
        return n;
    }

    private static String required(JsonNode body, String field) {
        final String v = optional(body, field);
        if (v == null || v.isBlank()) {
            throw new BadRequest(field + ": missing (expected: a non-blank string)");
        }
        return v;
    }

    private static @Nullable String optional(JsonNode body, String field) {
        final JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw new BadRequest(field + ": " + v + " (expected: a string)");
        }
        return v.stringValue();
    }

    private static List<String> strings(JsonNode body, String field) {
        final JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new BadRequest(field + ": " + v + " (expected: an array of strings)");
        }
        final List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isString()) {
                throw new BadRequest(field + ": " + v + " (expected: an array of strings)");
            }
            out.add(e.stringValue());
        }
        return out;
    }

    private static @Nullable Duration duration(JsonNode body, String field) {
        final String v = optional(body, field);
        if (v == null) {
            return null;
        }
        try {
            return TimeBounds.duration(field, v);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static NoSuchElementException missing(String what, String id) {
        return new NoSuchElementException(what + " not found: " + id);
    }

    private static HttpResponse ok(Object value) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, JSON.writeValueAsString(value));
    }

    private static HttpResponse created(Object value) {
        return HttpResponse.of(HttpStatus.CREATED, MediaType.JSON_UTF_8, JSON.writeValueAsString(value));
    }

    private static HttpResponse notFound(String path) {
        return error(HttpStatus.NOT_FOUND, "not_found", "No such admin resource: " + path);
    }

    private static HttpResponse notAllowed(HttpMethod m) {
        return error(HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed", "Method " + m + " is not allowed here.");
    }

    private static HttpResponse error(HttpStatus status, String code, String message) {
        return HttpResponse.of(status, MediaType.JSON_UTF_8, errorBody(code, message));
    }

    private static String errorBody(String code, String message) {
        return JSON.writeValueAsString(Map.of("error", Map.of("message", message, "code", code)));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A bad request body or parameter (400). */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }
}

package dev.sluice.safety.guard;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.Detection;
import dev.sluice.safety.Direction;
import dev.sluice.safety.FilterKind;
import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.UriFinding;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A guard that calls a Model Armor-compatible sanitize API ({@code {base}/templates/{t}:sanitizeUserPrompt} or
 * {@code :sanitizeModelResponse}, where the base is up to {@code /v1/projects/P/locations/L}) and maps its
 * {@code sanitizationResult} back to a {@link Detection}: a matched filter's reported confidence becomes the
 * detection's (MEDIUM when none is reported), CSAM matches are HIGH, SDP inspect findings keep their code-point
 * ranges. A de-identify result carries no locations, so it adds nothing. The call carries no credentials: put an
 * authenticating proxy in front of a service that needs them.
 */
final class ModelArmorGuard implements Guard {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final WebClient client;
    private final String basePath;
    private final String template;

    ModelArmorGuard(WebClient client, String basePath, @Nullable String template) {
        this.client = client;
        this.basePath = basePath;
        this.template = template != null ? template : "";
    }

    @Override
    public String kind() {
        return "model-armor";
    }

    @Override
    public CompletableFuture<Detection> check(String text, Direction direction, Set<FilterKind> filters) {
        final boolean prompt = direction == Direction.PROMPT;
        final String path = basePath + "/templates/" + template + (prompt ? ":sanitizeUserPrompt"
                                                                          : ":sanitizeModelResponse");
        final ObjectNode body = JSON.createObjectNode();
        body.putObject(prompt ? "userPromptData" : "modelResponseData").put("text", text);
        final HttpRequest req = HttpRequest.of(RequestHeaders.builder(HttpMethod.POST, path)
                                                             .contentType(MediaType.JSON_UTF_8).build(),
                                               com.linecorp.armeria.common.HttpData.ofUtf8(
                                                       JSON.writeValueAsString(body)));
        return client.execute(req).aggregate().thenApply(res -> {
            if (!res.status().isSuccess()) {
                throw new IllegalStateException("sanitize API answered " + res.status().code() + ": " +
                                                abbreviate(res.contentUtf8()));
            }
            final JsonNode root = JSON.readTree(res.contentUtf8());
            final JsonNode result = root.get("sanitizationResult");
            if (result == null || !result.isObject()) {
                throw new IllegalStateException("sanitize API answer has no sanitizationResult");
            }
            return detection(result, text);
        });
    }

    /** Maps a {@code sanitizationResult} to a detection of {@code text}. */
    static Detection detection(JsonNode result, String text) {
        final JsonNode filters = result.path("filterResults");
        Confidence pi = null;
        final JsonNode piResult = filters.path("pi_and_jailbreak").path("piAndJailbreakFilterResult");
        if (matched(piResult)) {
            pi = level(piResult.path("confidenceLevel").asString(""));
        }
        final Map<RaiCategory, Confidence> rai = new EnumMap<>(RaiCategory.class);
        final JsonNode types = filters.path("rai").path("raiFilterResult").path("raiFilterTypeResults");
        for (RaiCategory c : RaiCategory.values()) {
            final JsonNode t = types.path(c.name().toLowerCase(java.util.Locale.ROOT));
            if (matched(t)) {
                rai.put(c, level(t.path("confidenceLevel").asString("")));
            }
        }
        final Confidence csam = matched(filters.path("csam").path("csamFilterFilterResult")) ? Confidence.HIGH
                                                                                              : null;
        final List<UriFinding> uris = new ArrayList<>();
        for (JsonNode item : filters.path("malicious_uris").path("maliciousUriFilterResult")
                                    .path("maliciousUriMatchedItems")) {
            final String uri = item.path("uri").asString("");
            final JsonNode loc = item.path("locations").path(0);
            final int start = index(text, loc.path("start").asString("0"));
            final int end = index(text, loc.path("end").asString(String.valueOf(text.codePointCount(0,
                                                                                                   text.length()))));
            uris.add(new UriFinding(uri, start, Math.max(start, end), "guard"));
        }
        final List<SensitiveFinding> sensitive = new ArrayList<>();
        for (JsonNode f : filters.path("sdp").path("sdpFilterResult").path("inspectResult").path("findings")) {
            final JsonNode range = f.path("location").path("codepointRange");
            final int start = index(text, range.path("start").asString("0"));
            final int end = index(text, range.path("end").asString("0"));
            if (end > start) {
                sensitive.add(new SensitiveFinding(f.path("infoType").asString("UNKNOWN"), start, end,
                                                   likelihood(f.path("likelihood").asString(""))));
            }
        }
        return new Detection(pi, rai, csam, sensitive, uris);
    }

    private static boolean matched(JsonNode n) {
        return "MATCH_FOUND".equals(n.path("matchState").asString(""));
    }

    private static Confidence level(String name) {
        return switch (name) {
            case "HIGH" -> Confidence.HIGH;
            case "LOW_AND_ABOVE" -> Confidence.LOW;
            default -> Confidence.MEDIUM;
        };
    }

    private static Confidence likelihood(String name) {
        return switch (name) {
            case "VERY_LIKELY" -> Confidence.HIGH;
            case "LIKELY" -> Confidence.MEDIUM;
            default -> Confidence.LOW;
        };
    }

    /** Converts a code-point offset (an int64 string) to a UTF-16 index of {@code text}, clamped. */
    private static int index(String text, String codePoints) {
        long cp;
        try {
            cp = Long.parseLong(codePoints);
        } catch (NumberFormatException e) {
            cp = 0;
        }
        final int total = text.codePointCount(0, text.length());
        return text.offsetByCodePoints(0, (int) Math.max(0, Math.min(cp, total)));
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}

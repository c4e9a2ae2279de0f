package dev.sluice.safety.template;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.sluice.safety.RaiCategory;
import dev.sluice.safety.SensitiveFinding;
import dev.sluice.safety.UriFinding;
import dev.sluice.safety.template.Sanitization.Outcome;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a {@link Sanitization} in Model Armor's v1 REST shape: {@code {"sanitizationResult": {filterMatchState,
 * filterResults{csam, malicious_uris, rai, pi_and_jailbreak, sdp}, sanitizationMetadata, invocationResult}}}, with
 * int64 offsets as strings and empty fields left out, as proto3 JSON does.
 */
public final class SanitizationJson {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private SanitizationJson() {}

    /** Returns the whole sanitize response body. */
    public static ObjectNode response(Sanitization s, String text) {
        final ObjectNode root = JSON.createObjectNode();
        root.set("sanitizationResult", result(s, text));
        return root;
    }

    /** Returns the {@code sanitizationResult} object; {@code text} is the screened text (for byte offsets). */
    public static ObjectNode result(Sanitization s, String text) {
        final ObjectNode r = JSON.createObjectNode();
        r.put("filterMatchState", match(s.matched()));
        final ObjectNode filters = r.putObject("filterResults");

        filter(filters.putObject("csam").putObject("csamFilterFilterResult"), s.csam());

        final ObjectNode uri = filters.putObject("malicious_uris").putObject("maliciousUriFilterResult");
        filter(uri, s.maliciousUris());
        if (!s.maliciousUriItems().isEmpty()) {
            final ArrayNode items = uri.putArray("maliciousUriMatchedItems");
            for (UriFinding u : s.maliciousUriItems()) {
                final ObjectNode item = items.addObject();
                item.put("uri", u.uri());
                range(item.putArray("locations").addObject(), u.start(), u.end(), text);
            }
        }

        final ObjectNode rai = filters.putObject("rai").putObject("raiFilterResult");
        filter(rai, s.rai());
        final ObjectNode types = rai.putObject("raiFilterTypeResults");
        for (RaiCategory c : new RaiCategory[] { RaiCategory.SEXUALLY_EXPLICIT, RaiCategory.HATE_SPEECH,
                                                 RaiCategory.HARASSMENT, RaiCategory.DANGEROUS }) {
            final Outcome o = s.raiTypes().getOrDefault(c, Outcome.NO_MATCH);
            final ObjectNode t = types.putObject(c.name().toLowerCase(Locale.ROOT));
            // Observed responses carry the confidence only on matches.
            if (o.matched() && o.confidence() != null) {
                t.put("confidenceLevel", SafetyTemplate.levelName(o.confidence()));
            }
            t.put("matchState", match(o.matched()));
        }

        final ObjectNode pi = filters.putObject("pi_and_jailbreak").putObject("piAndJailbreakFilterResult");
        filter(pi, s.piAndJailbreak());
        if (s.piAndJailbreak().matched() && s.piAndJailbreak().confidence() != null) {
            pi.put("confidenceLevel", SafetyTemplate.levelName(s.piAndJailbreak().confidence()));
        }

        final ObjectNode sdp = filters.putObject("sdp").putObject("sdpFilterResult");
        final Sanitization.SdpOutcome so = s.sdp();
        if (so.deidentified() != null) {
            final ObjectNode de = sdp.putObject("deidentifyResult");
            filter(de, so.outcome());
            if (so.outcome().matched()) {
                de.putObject("data").put("text", so.deidentified());
                de.put("transformedBytes",
                       String.valueOf(so.deidentified().getBytes(StandardCharsets.UTF_8).length));
                final ArrayNode infoTypes = de.putArray("infoTypes");
                so.deidentifiedTypes().forEach(infoTypes::add);
            }
        } else {
            final ObjectNode in = sdp.putObject("inspectResult");
            filter(in, so.outcome());
            if (!so.findings().isEmpty()) {
                final ArrayNode findings = in.putArray("findings");
                for (SensitiveFinding f : so.findings()) {
                    final ObjectNode fo = findings.addObject();
                    fo.put("infoType", f.infoType());
                    fo.put("likelihood", SafetyTemplate.likelihoodName(f.likelihood()));
                    final ObjectNode loc = fo.putObject("location");
                    range(loc.putObject("byteRange"), utf8(text, f.start()), utf8(text, f.end()));
                    range(loc.putObject("codepointRange"), text.codePointCount(0, f.start()),
                          text.codePointCount(0, f.end()));
                }
            }
        }

        final ObjectNode meta = r.putObject("sanitizationMetadata");
        if (s.invocation() != Sanitization.Invocation.SUCCESS) {
            final String why = firstError(s);
            if (why != null) {
                meta.put("errorMessage", why);
            }
        }
        if (s.ignorePartialInvocationFailures()) {
            meta.put("ignorePartialInvocationFailures", true);
        }
        r.put("invocationResult", s.invocation().name());
        return r;
    }

    private static String firstError(Sanitization s) {
        for (Outcome o : new Outcome[] { s.csam(), s.maliciousUris(), s.rai(), s.piAndJailbreak(),
                                         s.sdp().outcome() }) {
            if (o.error() != null) {
                return o.error();
            }
        }
        return "a guard failed; its filters were screened by the in-process detectors only";
    }

    private static void filter(ObjectNode node, Outcome o) {
        node.put("executionState", o.executed() ? "EXECUTION_SUCCESS" : "EXECUTION_SKIPPED");
        if (o.error() != null) {
            final ObjectNode m = node.putArray("messageItems").addObject();
            m.put("messageType", "ERROR");
            m.put("message", o.error());
        }
        node.put("matchState", match(o.matched()));
    }

    private static String match(boolean matched) {
        return matched ? "MATCH_FOUND" : "NO_MATCH_FOUND";
    }

    /** Writes a half-open range {start, end} with int64 values as strings, as proto3 JSON does. */
    private static void range(ObjectNode node, long start, long end) {
        node.put("start", String.valueOf(start));
        node.put("end", String.valueOf(end));
    }

    private static void range(ObjectNode node, int start, int end, String text) {
        range(node, text.codePointCount(0, Math.min(start, text.length())),
              text.codePointCount(0, Math.min(end, text.length())));
    }

    private static long utf8(String text, int index) {
        return text.substring(0, Math.min(index, text.length())).getBytes(StandardCharsets.UTF_8).length;
    }
}

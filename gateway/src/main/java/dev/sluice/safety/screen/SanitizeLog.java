package dev.sluice.safety.screen;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sluice.safety.Direction;
import dev.sluice.safety.template.SafetyTemplate;
import dev.sluice.safety.template.Sanitization;
import dev.sluice.safety.template.SanitizationJson;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Logs sanitize operations in the shape of Model Armor's {@code sanitize_operations} log entries. The screened text
 * is written only when the template's {@code logSanitizeOperations} is true; otherwise matches are logged without
 * it, and nothing is logged for clean texts.
 */
final class SanitizeLog {

    /** The logger name; route it to its own appender to keep prompts out of the general log. */
    static final Logger logger = LoggerFactory.getLogger("dev.sluice.safety.sanitize_operations");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private SanitizeLog() {}

    static void log(SafetyTemplate t, Direction direction, String text, Sanitization s, String requestId,
                    String client) {
        if (!t.logSanitizeOperations()) {
            if (s.matched() && logger.isInfoEnabled()) {
                logger.info("{{\"operationType\":\"{}\",\"template\":\"{}\",\"requestId\":\"{}\"," +
                            "\"sanitizationVerdict\":\"{}\",\"filters\":\"{}\"}}", operation(direction),
                            t.name(), requestId, verdict(t, s), String.join(",", s.matchedFilters()));
            }
            return;
        }
        if (!logger.isInfoEnabled()) {
            return;
        }
        final ObjectNode entry = JSON.createObjectNode();
        entry.put("operationType", operation(direction));
        entry.put("template", t.name());
        entry.put("requestId", requestId);
        entry.put("clientName", client);
        entry.putObject("sanitizationInput").put("text", text);
        final ObjectNode result = SanitizationJson.result(s, text);
        result.put("sanitizationVerdict", verdict(t, s));
        result.put("sanitizationVerdictReason", s.reason(direction));
        entry.set("sanitizationResult", result);
        logger.info(JSON.writeValueAsString(entry));
    }

    private static String operation(Direction d) {
        return d == Direction.PROMPT ? "SANITIZE_USER_PROMPT" : "SANITIZE_MODEL_RESPONSE";
    }

    private static String verdict(SafetyTemplate t, Sanitization s) {
        if (!s.matched()) {
            return "MODEL_ARMOR_SANITIZATION_VERDICT_ALLOW";
        }
        return t.inspectOnly() ? "MODEL_ARMOR_SANITIZATION_VERDICT_INSPECT_ONLY"
                               : "MODEL_ARMOR_SANITIZATION_VERDICT_BLOCK";
    }
}

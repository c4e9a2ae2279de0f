package dev.sluice.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code safety} extension's metadata: {@code model_armor_settings}, the seed's JSON list
 * {@code [{"model", "user_prompt_template_id", "model_response_template_id"}]} (a template id is a template name or
 * a Model Armor resource name {@code projects/P/locations/L/templates/NAME}; the entry whose model is
 * {@code default} applies to models without their own entry), and {@code stream_holdback_tokens}, the window of
 * streamed text held back until what follows it has been screened (default {@value #DEFAULT_HOLDBACK_TOKENS} tokens
 * of about four characters; the screener scans once per eighth of a window, so at most a window plus that step,
 * plus the chunk in flight, is held at once).
 *
 * @param byModel the templates per model name
 * @param holdbackTokens the stream hold-back window in tokens
 */
public record SafetySettings(Map<String, Templates> byModel, int holdbackTokens) {

    /** The metadata key of the template list, as in the seed. */
    public static final String SETTINGS_KEY = "model_armor_settings";
    /** The metadata key of the hold-back window. */
    public static final String HOLDBACK_KEY = "stream_holdback_tokens";
    /** The model of the catch-all entry. */
    public static final String DEFAULT_MODEL = "default";
    public static final int DEFAULT_HOLDBACK_TOKENS = 32;
    /** Characters per token when sizing the hold-back window (OpenAI's rule of thumb for English). */
    public static final int CHARS_PER_TOKEN = 4;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The template names for one model; either may be {@code null} (that direction is not screened). */
    public record Templates(@Nullable String prompt, @Nullable String response) {}

    public SafetySettings {
        byModel = Map.copyOf(byModel);
    }

    /** Returns the templates for {@code model} (or the default entry), or {@code null} when none apply. */
    public @Nullable Templates forModel(@Nullable String model) {
        final Templates t = model != null ? byModel.get(model) : null;
        return t != null ? t : byModel.get(DEFAULT_MODEL);
    }

    /** Returns every template name the settings refer to. */
    public List<String> templateNames() {
        final List<String> names = new ArrayList<>();
        for (Templates t : byModel.values()) {
            if (t.prompt() != null && !names.contains(t.prompt())) {
                names.add(t.prompt());
            }
            if (t.response() != null && !names.contains(t.response())) {
                names.add(t.response());
            }
        }
        return names;
    }

    /** Returns the hold-back window in characters. */
    public int holdbackChars() {
        return holdbackTokens * CHARS_PER_TOKEN;
    }

    /**
     * Parses the metadata; throws {@link IllegalArgumentException} with the key and what was expected on bad input.
     */
    public static SafetySettings of(Map<String, String> metadata) {
        for (String key : metadata.keySet()) {
            if (!key.equals(SETTINGS_KEY) && !key.equals(HOLDBACK_KEY)) {
                throw new IllegalArgumentException("metadata." + key + ": unknown key (expected: " + SETTINGS_KEY +
                                                   ", " + HOLDBACK_KEY + ')');
            }
        }
        int holdback = DEFAULT_HOLDBACK_TOKENS;
        final String h = metadata.get(HOLDBACK_KEY);
        if (h != null) {
            try {
                holdback = Integer.parseInt(h.strip());
            } catch (NumberFormatException e) {
                holdback = -1;
            }
            if (holdback < 1 || holdback > 4096) {
                throw new IllegalArgumentException("metadata." + HOLDBACK_KEY + ": " + h +
                                                   " (expected: a number of tokens 1..4096)");
            }
        }
        final String raw = metadata.get(SETTINGS_KEY);
        if (raw == null) {
            throw new IllegalArgumentException("metadata." + SETTINGS_KEY + ": missing (expected: a JSON list " +
                                               "[{\"model\", \"user_prompt_template_id\", " +
                                               "\"model_response_template_id\"}])");
        }
        final JsonNode list;
        try {
            list = JSON.readTree(raw);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("metadata." + SETTINGS_KEY + ": not JSON (" +
                                               e.getOriginalMessage() + ')');
        }
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException("metadata." + SETTINGS_KEY + ": expected a non-empty JSON list of " +
                                               "{\"model\", \"user_prompt_template_id\", " +
                                               "\"model_response_template_id\"}");
        }
        final Map<String, Templates> byModel = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            final String at = "metadata." + SETTINGS_KEY + '[' + i + ']';
            final JsonNode e = list.get(i);
            if (!e.isObject()) {
                throw new IllegalArgumentException(at + ": expected an object");
            }
            for (String name : e.propertyNames()) {
                if (!List.of("model", "user_prompt_template_id", "model_response_template_id").contains(name)) {
                    throw new IllegalArgumentException(at + '.' + name + ": unknown key (expected: model, " +
                                                       "user_prompt_template_id, model_response_template_id)");
                }
            }
            final String model = string(e, "model", at);
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException(at + ".model: missing (expected: a model name or default)");
            }
            final String prompt = templateName(string(e, "user_prompt_template_id", at), at +
                                                                                      ".user_prompt_template_id");
            final String response = templateName(string(e, "model_response_template_id", at),
                                                 at + ".model_response_template_id");
            if (prompt == null && response == null) {
                throw new IllegalArgumentException(at + ": expected user_prompt_template_id, " +
                                                   "model_response_template_id or both");
            }
            if (byModel.putIfAbsent(model, new Templates(prompt, response)) != null) {
                throw new IllegalArgumentException(at + ".model: " + model + " (expected: each model once)");
            }
        }
        return new SafetySettings(byModel, holdback);
    }

    private static @Nullable String string(JsonNode e, String key, String at) {
        final JsonNode v = e.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw new IllegalArgumentException(at + '.' + key + ": expected a string");
        }
        return v.asString();
    }

    /** Accepts a bare name or {@code projects/P/locations/L/templates/NAME}; returns the name. */
    static @Nullable String templateName(@Nullable String id, String at) {
        if (id == null) {
            return null;
        }
        final int i = id.lastIndexOf("/templates/");
        final String name = i >= 0 ? id.substring(i + "/templates/".length()) : id;
        if (name.isEmpty() || name.contains("/") || (i < 0 && id.contains("/"))) {
            throw new IllegalArgumentException(at + ": " + id + " (expected: a template name or " +
                                               "projects/PROJECT/locations/LOCATION/templates/NAME)");
        }
        return name;
    }
}

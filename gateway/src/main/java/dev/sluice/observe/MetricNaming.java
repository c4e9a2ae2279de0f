package dev.sluice.observe;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Chooses the names of the per-model metric family. The Gateway API Inference Extension renamed
 * {@code inference_model_*} to {@code inference_objective_*} in v1.1 (and added the {@code priority} label to
 * {@code ..._request_total}); the seed's alert rules use the old names, so they are the default.
 */
public enum MetricNaming {
    /** {@code inference_model_*}, the names of GIE before v1.1 and of the seed's {@code alerts.yaml}. */
    MODEL("inference_model"),
    /** {@code inference_objective_*}, the names of GIE v1.1 and later, with {@code priority} on the request counter. */
    OBJECTIVE("inference_objective");

    private final String prefix;

    MetricNaming(String prefix) {
        this.prefix = prefix;
    }

    /** Returns the prefix of the family's names, for example {@code inference_model}. */
    public String prefix() {
        return prefix;
    }

    /** Parses {@code model} or {@code objective} (any case). */
    public static MetricNaming parse(String value) {
        requireNonNull(value, "value");
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "model" -> MODEL;
            case "objective" -> OBJECTIVE;
            default -> throw new IllegalArgumentException(
                    "metricsNames: " + value + " (expected: model or objective)");
        };
    }
}

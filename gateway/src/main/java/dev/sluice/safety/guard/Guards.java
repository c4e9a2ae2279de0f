package dev.sluice.safety.guard;

import java.net.URI;

import com.linecorp.armeria.client.WebClient;

import dev.sluice.config.Resources.SafetyGuardSpec;

/** Builds the guard a template's {@code guard} names. */
public final class Guards {

    private Guards() {}

    /** Returns the guard of {@code spec}: a Model Armor-compatible service or a Llama-Guard-style chat model. */
    public static Guard create(SafetyGuardSpec spec) {
        final String base = spec.url().endsWith("/") ? spec.url().substring(0, spec.url().length() - 1)
                                                     : spec.url();
        final URI uri = URI.create(base);
        final WebClient client = WebClient.builder(uri.getScheme() + "://" + uri.getRawAuthority())
                                          .responseTimeout(spec.timeout().plusMillis(100))
                                          .build();
        final String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return switch (spec.type()) {
            case "ModelArmor" -> new ModelArmorGuard(client, path, spec.template());
            case "ChatModel" -> new ChatModelGuard(client, path, spec.model());
            default -> throw new IllegalArgumentException("guard type: " + spec.type() +
                                                          " (expected: ModelArmor or ChatModel)");
        };
    }
}

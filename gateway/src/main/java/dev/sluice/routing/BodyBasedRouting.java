package dev.sluice.routing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.sluice.extension.Extension;
import dev.sluice.extension.ExtensionCall;
import dev.sluice.extension.ExtensionMessage;
import dev.sluice.extension.ExtensionResult;
import dev.sluice.openai.OpenAiRequest;

/**
 * The built-in {@code body-based-routing} extension: copies {@code body.model} into {@code X-Gateway-Model-Name} and,
 * when the catalog knows it, its base model into {@code X-Gateway-Base-Model-Name}, so that {@code HTTPRoute} header
 * matches can choose the pool, as the Gateway API Inference Extension's BBR does.
 *
 * <p>The gateway runs it on every request body before the configured chain unless a chain lists it explicitly, in
 * which case it runs at that position.
 */
public final class BodyBasedRouting implements Extension {

    /** The extension's service name. */
    public static final String SERVICE = "body-based-routing";
    /** Header carrying the requested model. */
    public static final String MODEL_HEADER = "x-gateway-model-name";
    /** Header carrying the base model of the requested model. */
    public static final String BASE_MODEL_HEADER = "x-gateway-base-model-name";

    private final ModelCatalog catalog;

    /** Creates the extension over a configuration's model catalog. */
    public BodyBasedRouting(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    /** Returns the headers to set for {@code request} (empty when it names no model). */
    public Map<String, String> headersFor(OpenAiRequest request) {
        final String model = request.model();
        if (model == null || model.isEmpty()) {
            return Map.of();
        }
        final Map<String, String> headers = new LinkedHashMap<>(2);
        headers.put(MODEL_HEADER, model);
        final String base = catalog.baseModelOf(model);
        if (base != null) {
            headers.put(BASE_MODEL_HEADER, base);
        }
        return headers;
    }

    @Override
    public CompletableFuture<ExtensionResult> handle(ExtensionCall call, ExtensionMessage message) {
        final OpenAiRequest request = call.request();
        if (request == null) {
            return CompletableFuture.completedFuture(ExtensionResult.proceed());
        }
        return CompletableFuture.completedFuture(ExtensionResult.setHeaders(headersFor(request)));
    }
}

package dev.sluice.observe;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import dev.sluice.routing.ModelCatalog;

/**
 * Keeps the {@code model_name} and {@code target_model_name} labels bounded: clients write the model name, so
 * labelling every name they send would let anyone create series without end.
 *
 * <p>A name becomes a label value when it is in the configuration's {@link ModelCatalog} (bounded by the
 * configuration), or when a pool served it successfully, for up to {@value #MAX_SERVED_ONLY} such names (models
 * routed by path rather than by name are not in the catalog). Every other name is labelled {@value #UNKNOWN}. Once a
 * name is admitted it stays admitted, so its series never switch labels after a reload.
 */
public final class ModelLabels {

    /** The label of model names that are not admitted. */
    public static final String UNKNOWN = "unknown";
    /** How many names outside the catalog may be admitted because a pool served them. */
    static final int MAX_SERVED_ONLY = 64;

    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger servedOnly = new AtomicInteger();

    /**
     * Returns the label of {@code model} ({@code ""} for none).
     *
     * @param served whether a pool answered the request with a 2xx status
     */
    public String label(@Nullable String model, ModelCatalog catalog, boolean served) {
        if (model == null || model.isEmpty()) {
            return "";
        }
        if (admitted.contains(model)) {
            return model;
        }
        if (catalog.baseModelOf(model) != null) {
            admitted.add(model);
            return model;
        }
        if (served && model.length() <= 256) {
            while (true) {
                final int n = servedOnly.get();
                if (n >= MAX_SERVED_ONLY) {
                    break;
                }
                if (servedOnly.compareAndSet(n, n + 1)) {
                    if (!admitted.add(model)) {
                        servedOnly.decrementAndGet();
                    }
                    return model;
                }
            }
        }
        return UNKNOWN;
    }

    /** Returns the label of {@code model} if it was admitted before, else {@value #UNKNOWN} ({@code ""} for none). */
    public String existingLabel(@Nullable String model) {
        if (model == null || model.isEmpty()) {
            return "";
        }
        return admitted.contains(model) ? model : UNKNOWN;
    }
}

package dev.sluice.routing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.Resources.ConfigMapSpec;
import dev.sluice.config.Resources.HeaderMatch;
import dev.sluice.config.Resources.HttpRouteSpec;
import dev.sluice.config.Resources.InferenceModelRewriteSpec;
import dev.sluice.config.Resources.ModelMatch;
import dev.sluice.config.Resources.ModelServerSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.RewriteRule;
import dev.sluice.config.Resources.RouteMatch;
import dev.sluice.config.Resources.RouteRule;

/**
 * The model names a configuration serves and, for LoRA adapters, their base model.
 *
 * <p>Adapters are known from {@code ConfigMap}s labelled {@code inference.networking.k8s.io/bbr-managed: "true"}
 * (upstream BBR's source) and from simulated model servers; served names also come from routes that match the
 * model headers exactly and from {@code InferenceModelRewrite} match values. {@code GET /v1/models} lists them all.
 */
public final class ModelCatalog {

    /** The label that marks a ConfigMap as a base-model/adapters list for body-based routing. */
    public static final String BBR_MANAGED_LABEL = "inference.networking.k8s.io/bbr-managed";

    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    /** One served model name; {@code parent} is the base model of an adapter, else {@code null}. */
    public record Model(String id, @Nullable String parent) {}

    private final Map<String, Model> models;

    private ModelCatalog(Map<String, Model> models) {
        this.models = models;
    }

    /** Builds the catalog of {@code config}. */
    public static ModelCatalog of(GatewayConfig config) {
        final Map<String, Model> models = new LinkedHashMap<>();
        for (Resource<ConfigMapSpec> cm : config.configMaps()) {
            if (!"true".equals(cm.metadata().labels().get(BBR_MANAGED_LABEL))) {
                continue;
            }
            final String base = cm.spec().data().get("baseModel");
            if (base == null) {
                continue;
            }
            models.putIfAbsent(base, new Model(base, null));
            for (String adapter : adapters(cm.spec().data().get("adapters"))) {
                models.put(adapter, new Model(adapter, base));
            }
        }
        for (Resource<ModelServerSpec> ms : config.modelServers()) {
            final var sim = ms.spec().simulated();
            if (sim != null) {
                models.putIfAbsent(sim.model(), new Model(sim.model(), null));
                for (String adapter : sim.loraAdapters()) {
                    models.putIfAbsent(adapter, new Model(adapter, sim.model()));
                }
            }
        }
        for (Resource<HttpRouteSpec> route : config.httpRoutes()) {
            for (RouteRule rule : route.spec().rules()) {
                for (RouteMatch m : rule.matches()) {
                    for (HeaderMatch h : m.headers()) {
                        if ("Exact".equals(h.type()) && isModelHeader(h.name())) {
                            models.putIfAbsent(h.value(), new Model(h.value(), null));
                        }
                    }
                }
            }
        }
        for (Resource<InferenceModelRewriteSpec> rw : config.inferenceModelRewrites()) {
            for (RewriteRule rule : rw.spec().rules()) {
                for (ModelMatch m : rule.matches()) {
                    models.putIfAbsent(m.value(), new Model(m.value(), null));
                }
            }
        }
        return new ModelCatalog(Map.copyOf(models));
    }

    private static boolean isModelHeader(String name) {
        return BodyBasedRouting.MODEL_HEADER.equalsIgnoreCase(name) ||
               BodyBasedRouting.BASE_MODEL_HEADER.equalsIgnoreCase(name);
    }

    /** Parses {@code data.adapters}, a YAML list of names. */
    static List<String> adapters(@Nullable String yaml) {
        if (yaml == null || yaml.isBlank()) {
            return List.of();
        }
        final JsonNode node = YAML.readTree(yaml);
        if (!node.isArray()) {
            return List.of();
        }
        return node.valueStream().map(JsonNode::asString).toList();
    }

    /** Returns the base model of {@code model}: its parent when it is an adapter, itself when it is a base. */
    public @Nullable String baseModelOf(String model) {
        final Model m = models.get(model);
        if (m == null) {
            return null;
        }
        return m.parent() != null ? m.parent() : m.id();
    }

    /** Returns every served model, sorted by name. */
    public List<Model> models() {
        return models.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
    }
}

package dev.sluice.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.sluice.config.Resources.ApiProductSpec;
import dev.sluice.config.Resources.BackendPolicySpec;
import dev.sluice.config.Resources.ConfigMapSpec;
import dev.sluice.config.Resources.GatewaySpec;
import dev.sluice.config.Resources.HttpRouteSpec;
import dev.sluice.config.Resources.InferenceModelRewriteSpec;
import dev.sluice.config.Resources.InferenceObjectiveSpec;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.ModelServerSpec;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.SafetyTemplateSpec;
import dev.sluice.config.Resources.TrafficExtensionSpec;

/**
 * An immutable, validated configuration snapshot: every resource read from one config file or folder.
 *
 * <p>Requests take one snapshot when they start and keep it to the end, so a reload never changes a request in
 * flight. Lists keep the order resources were read in (files sorted by name, documents in file order).
 */
public record GatewayConfig(
        Path source,
        List<Resource<GatewaySpec>> gateways,
        List<Resource<HttpRouteSpec>> httpRoutes,
        List<Resource<InferencePoolSpec>> inferencePools,
        List<Resource<ModelServerSpec>> modelServers,
        List<Resource<InferenceObjectiveSpec>> inferenceObjectives,
        List<Resource<InferenceModelRewriteSpec>> inferenceModelRewrites,
        List<Resource<TrafficExtensionSpec>> trafficExtensions,
        List<Resource<BackendPolicySpec>> backendPolicies,
        List<Resource<ConfigMapSpec>> configMaps,
        List<Resource<ApiProductSpec>> apiProducts,
        List<Resource<SafetyTemplateSpec>> safetyTemplates) {

    public GatewayConfig {
        gateways = List.copyOf(gateways);
        httpRoutes = List.copyOf(httpRoutes);
        inferencePools = List.copyOf(inferencePools);
        modelServers = List.copyOf(modelServers);
        inferenceObjectives = List.copyOf(inferenceObjectives);
        inferenceModelRewrites = List.copyOf(inferenceModelRewrites);
        trafficExtensions = List.copyOf(trafficExtensions);
        backendPolicies = List.copyOf(backendPolicies);
        configMaps = List.copyOf(configMaps);
        apiProducts = List.copyOf(apiProducts);
        safetyTemplates = List.copyOf(safetyTemplates);
    }

    /** Returns the pool with the given name. */
    public Optional<Resource<InferencePoolSpec>> pool(String name) {
        return inferencePools.stream().filter(r -> r.metadata().name().equals(name)).findFirst();
    }

    /** Returns the pool with the given namespace and name. */
    public Optional<Resource<InferencePoolSpec>> pool(String namespace, String name) {
        return inferencePools.stream()
                             .filter(r -> r.metadata().namespace().equals(namespace) &&
                                          r.metadata().name().equals(name))
                             .findFirst();
    }

    /** Returns the safety template with the given name (any namespace; the first declared wins). */
    public Optional<Resource<SafetyTemplateSpec>> safetyTemplate(String name) {
        return safetyTemplates.stream().filter(r -> r.metadata().name().equals(name)).findFirst();
    }

    /** Returns the objective with the given name. */
    public Optional<Resource<InferenceObjectiveSpec>> objective(String name) {
        return inferenceObjectives.stream().filter(r -> r.metadata().name().equals(name)).findFirst();
    }
}

package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Holds the typed specs of every resource kind Sluice reads from configuration.
 *
 * <p>Each record mirrors the upstream API shape (Gateway API, Gateway API Inference Extension, the seed's GKE kinds)
 * so that users carry their manifests over. Optional fields are {@code null} when absent; lists and maps are never
 * {@code null} (empty when absent). The binder in {@link ConfigLoader} fills these from YAML and rejects anything else.
 */
public final class Resources {

    /** API versions and kinds Sluice accepts. */
    public static final String GATEWAY_API = "gateway.networking.k8s.io/v1";
    public static final String INFERENCE_API = "inference.networking.k8s.io/v1";
    public static final String INFERENCE_X_API = "inference.networking.x-k8s.io/v1alpha2";
    public static final String SLUICE_API = "sluice.dev/v1alpha1";
    public static final String CORE_API = "v1";

    private Resources() {}

    /** Where a resource (or one of its fields) was written: a file and a 1-based line (0 when unknown). */
    public record Location(String file, int line) {
        @Override
        public String toString() {
            // A problem with the file as a whole (missing, unreadable) has no line worth printing.
            return line > 0 ? file + ':' + line : file;
        }
    }

    /** Kubernetes object metadata: name, namespace (default {@code "default"}), labels and annotations. */
    public record ObjectMeta(String name, String namespace, Map<String, String> labels,
                             Map<String, String> annotations) {}

    /** One parsed resource of any kind. */
    public record Resource<S>(String apiVersion, String kind, ObjectMeta metadata, S spec, Location location) {
        /** Returns {@code Kind/name}, the form used in validation messages. */
        public String displayName() {
            return kind + '/' + metadata.name();
        }
    }

    /* ----------------------------------------------------------------------------------------- Gateway */

    /** {@code Gateway}: listeners. {@code addresses[].value} picks the bind address (default 127.0.0.1). */
    public record GatewaySpec(@Nullable String gatewayClassName, List<GatewayAddress> addresses,
                              List<Listener> listeners) {}

    /** {@code Gateway.spec.addresses[]}: {@code type} IPAddress or Hostname. */
    public record GatewayAddress(String type, String value) {}

    /** {@code Gateway.spec.listeners[]}: protocol HTTP (HTTP/1.1 + h2c) or HTTPS (TLS from PEM files). */
    public record Listener(String name, int port, String protocol, @Nullable String hostname,
                           @Nullable ListenerTls tls) {}

    /**
     * TLS for an HTTPS listener. In file mode the certificate chain and private key are PEM files
     * ({@code certificateFile}, {@code privateKeyFile}, relative to the config file); {@code mode} is Terminate.
     */
    public record ListenerTls(String mode, String certificateFile, String privateKeyFile) {}

    /* ----------------------------------------------------------------------------------------- HTTPRoute */

    /** {@code HTTPRoute}: rules of matches to weighted backends. */
    public record HttpRouteSpec(List<ParentRef> parentRefs, List<String> hostnames, List<RouteRule> rules) {}

    /** A route's parent: a Gateway by name (and optionally a listener by {@code sectionName}). */
    public record ParentRef(@Nullable String group, @Nullable String kind, String name,
                            @Nullable String sectionName) {}

    /** One route rule. An empty {@code matches} list means one match of path prefix {@code /}. */
    public record RouteRule(@Nullable String name, List<RouteMatch> matches, List<BackendRef> backendRefs,
                            @Nullable RouteTimeouts timeouts) {}

    /** All present conditions must hold (AND); {@code method} is null for any method. */
    public record RouteMatch(PathMatch path, List<HeaderMatch> headers, @Nullable String method) {}

    /** {@code type}: PathPrefix (default), Exact or RegularExpression. */
    public record PathMatch(String type, String value) {}

    /** {@code type}: Exact (default) or RegularExpression; header names compare case-insensitively. */
    public record HeaderMatch(String type, String name, String value) {}

    /**
     * A weighted backend: {@code kind} InferencePool (group inference.networking.k8s.io) or Service (group "",
     * resolved in file mode as host {@code name} on {@code port}). Weight defaults to 1; 0 disables the backend.
     */
    public record BackendRef(String group, String kind, String name, @Nullable Integer port, int weight) {
        public boolean isInferencePool() {
            return "InferencePool".equals(kind);
        }
    }

    /** Gateway API timeouts: {@code request} (whole exchange) and {@code backendRequest} (one upstream try). */
    public record RouteTimeouts(@Nullable Duration request, @Nullable Duration backendRequest) {}

    /* ----------------------------------------------------------------------------------------- InferencePool */

    /** {@code InferencePool} (inference.networking.k8s.io/v1): selects model servers by labels. */
    public record InferencePoolSpec(Map<String, String> matchLabels, List<Integer> targetPorts,
                                    String appProtocol, @Nullable EndpointPickerRef endpointPickerRef) {}

    /** Accepted for compatibility; Sluice's picker runs in process, so only {@code failureMode} is used. */
    public record EndpointPickerRef(@Nullable String group, @Nullable String kind, String name,
                                    @Nullable Integer port, String failureMode) {}

    /** A reference to a pool by name ({@code group} defaults to inference.networking.k8s.io). */
    public record PoolRef(@Nullable String group, @Nullable String kind, String name) {}

    /* ----------------------------------------------------------------------------------------- ModelServer */

    /**
     * {@code ModelServer} (sluice.dev/v1alpha1): one model-server process in file mode, selected by pools through
     * {@code metadata.labels} as pods are in Kubernetes. Either {@code address} (host; {@code port} overrides the
     * pool's {@code targetPorts}) or {@code simulated} (an embedded simulator on an ephemeral loopback port).
     */
    public record ModelServerSpec(@Nullable String address, @Nullable Integer port,
                                  @Nullable SimulatedServerSpec simulated) {}

    /**
     * Settings of an embedded simulated model server. Absent values take the simulator's defaults; a
     * {@code profile} (for example {@code llama-8b-h100}) switches from fixed latencies to the batching engine's
     * step-time model, and {@code timeCompression} runs it that many times faster than real time.
     */
    public record SimulatedServerSpec(String model, List<String> loraAdapters, @Nullable Duration timeToFirstToken,
                                      @Nullable Duration interTokenLatency, @Nullable Integer outputTokens,
                                      @Nullable Long seed, @Nullable String profile,
                                      @Nullable Integer timeCompression, @Nullable Integer kvCacheBlocks,
                                      @Nullable Integer maxLoras) {}

    /* ----------------------------------------------------------------------------------------- objectives, rewrites */

    /** {@code InferenceObjective}: a priority (default 0; negative is sheddable) chosen by header. */
    public record InferenceObjectiveSpec(int priority, PoolRef poolRef) {}

    /** {@code InferenceModelRewrite}: ordered rules; the first matching rule wins. */
    public record InferenceModelRewriteSpec(PoolRef poolRef, List<RewriteRule> rules) {}

    /** An empty {@code matches} list matches every model. */
    public record RewriteRule(List<ModelMatch> matches, List<RewriteTarget> targets) {}

    /** {@code matches[].model}: only {@code type: Exact} is supported, as upstream. */
    public record ModelMatch(String type, String value) {}

    /** A weighted target model name. */
    public record RewriteTarget(String modelRewrite, int weight) {}

    /* ----------------------------------------------------------------------------------------- TrafficExtension */

    /** {@code TrafficExtension}: the seed's GCPTrafficExtension. The first chain whose condition matches wins. */
    public record TrafficExtensionSpec(List<ParentRef> targetRefs, List<ExtensionChainSpec> extensionChains) {}

    /** A chain: a match condition (any CEL expression true) and the extensions run in order. */
    public record ExtensionChainSpec(String name, List<String> celMatchers, List<ExtensionSpec> extensions) {}

    /**
     * One extension: a built-in {@code service} by name (for example {@code body-based-routing}), the events it
     * handles, a {@code timeout} (default 1s) and {@code failOpen} (default false), plus string metadata.
     */
    public record ExtensionSpec(String name, String service, List<String> supportedEvents, Duration timeout,
                                boolean failOpen, Map<String, String> metadata) {}

    /* ----------------------------------------------------------------------------------------- ApiProduct */

    /**
     * {@code ApiProduct}: an Apigee API product, enforced by the {@code api-management} extension. Empty
     * {@code models} or {@code operations} allow any; {@code objective} names an {@code InferenceObjective} whose
     * priority the product's requests get; {@code quotaIdentifier} (app, developer or key, default app) is what
     * quotas count per; {@code defaultMaxTokens} is the output reserved for a request that sets no
     * {@code max_tokens}.
     */
    public record ApiProductSpec(@Nullable String displayName, @Nullable String description, List<String> models,
                                 List<ApiOperation> operations, List<ApiQuota> quotas, @Nullable String spikeArrest,
                                 @Nullable String objective, @Nullable Integer defaultMaxTokens,
                                 String quotaIdentifier, @Nullable Integer priority) {}

    /** An operation: a path ({@code *} one segment, a trailing {@code /**} any rest) and methods (empty: any). */
    public record ApiOperation(String path, List<String> methods) {}

    /**
     * A quota: {@code limit} per {@code interval} {@code timeUnit}s (minute, hour, day, week, month), {@code type}
     * calendar or rollingwindow, counting requests, inputTokens, outputTokens or totalTokens.
     */
    public record ApiQuota(long limit, int interval, String timeUnit, String type, String counts) {}

    /* ----------------------------------------------------------------------------------------- BackendPolicy */

    /** {@code BackendPolicy}: the seed's GCPBackendPolicy, targeting a pool. */
    public record BackendPolicySpec(PoolRef targetRef, @Nullable LoggingPolicy logging,
                                    @Nullable Integer maxAttempts) {}

    /** Access logging: {@code sampleRate} in millionths (0..1000000). */
    public record LoggingPolicy(boolean enabled, int sampleRate) {}

    /* ----------------------------------------------------------------------------------------- ConfigMap */

    /**
     * {@code ConfigMap} (v1). Those labelled {@code inference.networking.k8s.io/bbr-managed: "true"} tell body-based
     * routing which LoRA adapters ({@code data.adapters}, a YAML list) belong to which base model
     * ({@code data.baseModel}), as upstream BBR does.
     */
    public record ConfigMapSpec(Map<String, String> data) {}

    /* ----------------------------------------------------------------------------------------- SafetyTemplate */

    /**
     * {@code SafetyTemplate} (sluice.dev/v1alpha1): a Model Armor template ({@code filterConfig} and
     * {@code templateMetadata}, camelCase as in its v1 REST shape), applied in process by the {@code safety} extension
     * and the sanitize API; {@code guard} optionally adds an external screening service. Enum values are kept as
     * written (validated by the binder) and compiled by {@code dev.sluice.safety.template}.
     */
    public record SafetyTemplateSpec(SafetyFilterConfig filterConfig, SafetyTemplateMetadata templateMetadata,
                                     @Nullable SafetyGuardSpec guard) {}

    /** {@code filterConfig}: absent settings are disabled (except CSAM, which is always on). */
    public record SafetyFilterConfig(List<RaiFilterSpec> raiFilters, @Nullable PiAndJailbreakSpec piAndJailbreak,
                                     String maliciousUriEnforcement, @Nullable SdpSettingsSpec sdp) {}

    /** {@code raiSettings.raiFilters[]}: a category and the lowest confidence level that matches. */
    public record RaiFilterSpec(String filterType, String confidenceLevel) {}

    /** {@code piAndJailbreakFilterSettings}. */
    public record PiAndJailbreakSpec(String filterEnforcement, String confidenceLevel) {}

    /**
     * {@code sdpSettings}: either {@code basicConfig} ({@code basicEnforcement} set) or {@code advancedConfig}
     * ({@code inspect} set, {@code deidentify} optional), never both.
     */
    public record SdpSettingsSpec(@Nullable String basicEnforcement, @Nullable SdpInspectSpec inspect,
                                  @Nullable SdpDeidentifySpec deidentify) {}

    /** An in-line inspect template: the info types to look for and the lowest likelihood reported. */
    public record SdpInspectSpec(List<String> infoTypes, String minLikelihood) {}

    /**
     * An in-line de-identify template: {@code transform} MASK (with {@code maskingCharacter}) or
     * REPLACE_WITH_INFO_TYPE, applied to {@code infoTypes} (empty: all the inspect template's).
     */
    public record SdpDeidentifySpec(String transform, String maskingCharacter, List<String> infoTypes) {}

    /** {@code templateMetadata}; codes and messages are {@code null} when not customised. */
    public record SafetyTemplateMetadata(String enforcementType, @Nullable Integer customPromptSafetyErrorCode,
                                         @Nullable String customPromptSafetyErrorMessage,
                                         @Nullable Integer customLlmResponseSafetyErrorCode,
                                         @Nullable String customLlmResponseSafetyErrorMessage,
                                         boolean logSanitizeOperations, boolean logTemplateOperations,
                                         boolean ignorePartialInvocationFailures) {}

    /**
     * An external guard consulted with the in-process detectors: {@code type} ModelArmor (a sanitize API at
     * {@code url}, template {@code template}) or ChatModel (a Llama-Guard-style model named {@code model} behind an
     * OpenAI chat API at {@code url}); {@code timeout} bounds a call and {@code failOpen} skips a failed guard.
     */
    public record SafetyGuardSpec(String type, String url, @Nullable String template, @Nullable String model,
                                  Duration timeout, boolean failOpen) {}
}

package dev.sluice.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.jspecify.annotations.Nullable;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import dev.sluice.config.Resources.ApiOperation;
import dev.sluice.config.Resources.ApiProductSpec;
import dev.sluice.config.Resources.ApiQuota;
import dev.sluice.config.Resources.BackendPolicySpec;
import dev.sluice.config.Resources.BackendRef;
import dev.sluice.config.Resources.ConfigMapSpec;
import dev.sluice.config.Resources.EndpointPickerRef;
import dev.sluice.config.Resources.ExtensionChainSpec;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.config.Resources.GatewayAddress;
import dev.sluice.config.Resources.GatewaySpec;
import dev.sluice.config.Resources.HeaderMatch;
import dev.sluice.config.Resources.HttpRouteSpec;
import dev.sluice.config.Resources.InferenceModelRewriteSpec;
import dev.sluice.config.Resources.InferenceObjectiveSpec;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.Listener;
import dev.sluice.config.Resources.ListenerTls;
import dev.sluice.config.Resources.LoggingPolicy;
import dev.sluice.config.Resources.ModelMatch;
import dev.sluice.config.Resources.ModelServerSpec;
import dev.sluice.config.Resources.ObjectMeta;
import dev.sluice.config.Resources.ParentRef;
import dev.sluice.config.Resources.PathMatch;
import dev.sluice.config.Resources.PoolRef;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.RewriteRule;
import dev.sluice.config.Resources.RewriteTarget;
import dev.sluice.config.Resources.RouteMatch;
import dev.sluice.config.Resources.RouteRule;
import dev.sluice.config.Resources.RouteTimeouts;
import dev.sluice.config.Resources.PiAndJailbreakSpec;
import dev.sluice.config.Resources.RaiFilterSpec;
import dev.sluice.config.Resources.SafetyFilterConfig;
import dev.sluice.config.Resources.SafetyGuardSpec;
import dev.sluice.config.Resources.SafetyTemplateMetadata;
import dev.sluice.config.Resources.SafetyTemplateSpec;
import dev.sluice.config.Resources.SdpDeidentifySpec;
import dev.sluice.config.Resources.SdpInspectSpec;
import dev.sluice.config.Resources.SdpSettingsSpec;
import dev.sluice.config.Resources.SimulatedServerSpec;
import dev.sluice.config.Resources.TrafficExtensionSpec;
import dev.sluice.config.YamlDocument.Obj;
import dev.sluice.safety.InfoTypes;

/**
 * Binds YAML documents into {@link Resource}s of every kind, then checks what spans resources: unique names,
 * references between resources, and model names across body-based-routing ConfigMaps.
 *
 * <p>Checks that need other resources are queued while binding (with the line and field of the reference) and run
 * in {@link #crossCheck()}, once every document is read, so that the order of files does not matter.
 */
final class ResourceBinder {

    static final String GATEWAY = "Gateway";
    static final String HTTP_ROUTE = "HTTPRoute";
    static final String INFERENCE_POOL = "InferencePool";
    static final String INFERENCE_OBJECTIVE = "InferenceObjective";
    static final String INFERENCE_MODEL_REWRITE = "InferenceModelRewrite";
    static final String MODEL_SERVER = "ModelServer";
    static final String TRAFFIC_EXTENSION = "TrafficExtension";
    static final String BACKEND_POLICY = "BackendPolicy";
    static final String CONFIG_MAP = "ConfigMap";
    static final String API_PRODUCT = "ApiProduct";
    static final String SAFETY_TEMPLATE = "SafetyTemplate";

    /** Every accepted kind and its one accepted apiVersion. */
    static final Map<String, String> KINDS;
    /** The accepted kinds in the order messages list them. */
    private static final List<String> KIND_ORDER;

    static {
        final Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put(GATEWAY, Resources.GATEWAY_API);
        kinds.put(HTTP_ROUTE, Resources.GATEWAY_API);
        kinds.put(INFERENCE_POOL, Resources.INFERENCE_API);
        kinds.put(INFERENCE_OBJECTIVE, Resources.INFERENCE_X_API);
        kinds.put(INFERENCE_MODEL_REWRITE, Resources.INFERENCE_X_API);
        kinds.put(MODEL_SERVER, Resources.SLUICE_API);
        kinds.put(TRAFFIC_EXTENSION, Resources.SLUICE_API);
        kinds.put(BACKEND_POLICY, Resources.SLUICE_API);
        kinds.put(CONFIG_MAP, Resources.CORE_API);
        kinds.put(API_PRODUCT, Resources.SLUICE_API);
        kinds.put(SAFETY_TEMPLATE, Resources.SLUICE_API);
        KINDS = Map.copyOf(kinds);
        KIND_ORDER = List.copyOf(kinds.keySet());
    }

    static final String GATEWAY_GROUP = "gateway.networking.k8s.io";
    static final String INFERENCE_GROUP = "inference.networking.k8s.io";
    /** The group InferencePool had before v1; the seed's GCPBackendPolicy still uses it. */
    static final String LEGACY_INFERENCE_GROUP = "inference.networking.x-k8s.io";
    static final String BBR_MANAGED_LABEL = "inference.networking.k8s.io/bbr-managed";

    static final List<String> EVENTS = List.of("RequestHeaders", "RequestBody", "RequestTrailers",
                                               "ResponseHeaders", "ResponseBody", "ResponseTrailers");
    static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
                                                "CONNECT", "TRACE");
    static final Duration DEFAULT_EXTENSION_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_EXTENSION_TIMEOUT = Duration.ofSeconds(60);
    static final int MAX_WEIGHT = 1_000_000;

    private static final String DNS_LABEL_RE = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(DNS_LABEL_RE + "(\\." + DNS_LABEL_RE + ")*");
    private static final Pattern DNS_LABEL = Pattern.compile(DNS_LABEL_RE);
    private static final Pattern WILDCARD_HOSTNAME = Pattern.compile("(\\*\\.)?" + DNS_SUBDOMAIN.pattern());
    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    /** RFC 9110 token, as the Gateway API's HTTPHeaderName. */
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+\\-.^_`|~]+");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern EXTENSION_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern ANY = Pattern.compile(".+", Pattern.DOTALL);

    private static final String NAME_EXPECTED =
            "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending alphanumeric";
    private static final String NAMESPACE_EXPECTED =
            "a DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric, at most 63";
    private static final String HOSTNAME_EXPECTED = "a lower-case DNS name, optionally starting with '*.'";
    private static final String HOST_EXPECTED = "a host name or an IP address";
    private static final String EXTENSION_NAME_EXPECTED =
            "letters, digits, '-', '_' and '.', starting and ending alphanumeric, at most 63";

    /** A resource as bound, with the node of its name for messages about duplicates. */
    record Bound(Resource<?> resource, YamlDocument doc, @Nullable Node nameNode) {}

    /** Every resource bound so far, by kind, then {@code namespace/name}; the first of duplicates wins. */
    private final Map<String, Map<String, Resource<?>>> index = new HashMap<>();
    private final List<Bound> bound = new ArrayList<>();
    private final List<Runnable> crossChecks = new ArrayList<>();
    private final List<BbrModel> bbrModels = new ArrayList<>();
    private final Set<String> knownServices;

    ResourceBinder(Set<String> knownServices) {
        this.knownServices = new TreeSet<>(knownServices);
    }

    List<Bound> bound() {
        return bound;
    }

    /* ------------------------------------------------------------------------------------------ documents */

    /** Binds one document, recording the resource when its kind is known. */
    void bind(YamlDocument doc, Node root) {
        doc.resource = peekResourceName(root);
        final Obj top = doc.obj(root, "");
        if (top == null) {
            return;
        }
        final String kinds = "one of " + String.join(", ", KIND_ORDER);
        final String kind = top.has("kind") ? top.string("kind") : null;
        final String expectedVersion = kind != null ? KINDS.get(kind) : null;
        if (!top.has("kind")) {
            top.missing("kind", kinds);
        } else if (kind != null && expectedVersion == null) {
            doc.invalid(top.value("kind"), "kind", kinds);
        }
        final String apiVersion = top.has("apiVersion") ? top.string("apiVersion") : null;
        if (!top.has("apiVersion")) {
            top.missing("apiVersion", expectedVersion != null ? expectedVersion + " for kind " + kind
                                                               : "an API version such as " + Resources.GATEWAY_API);
        } else if (expectedVersion != null && apiVersion != null && !expectedVersion.equals(apiVersion)) {
            doc.invalid(top.value("apiVersion"), "apiVersion", expectedVersion + " for kind " + kind);
        }

        final Obj meta = top.obj("metadata", true);
        final ObjectMeta metadata = meta != null ? metadata(meta) : null;
        // Sluice does not read status, but manifests copied from a cluster carry it.
        top.ignore("status");

        Object spec = null;
        if (CONFIG_MAP.equals(kind)) {
            final Node dataNode = top.value("data");
            final Obj dataObj = dataNode != null ? doc.obj(dataNode, "data") : null;
            final Map<String, String> data = dataObj != null ? dataObj.asStringMap() : Map.of();
            if (metadata != null) {
                configMap(top, dataObj, metadata, data);
            }
            spec = new ConfigMapSpec(data);
        } else if (expectedVersion != null) {
            final Obj specObj = top.obj("spec", true);
            if (specObj != null && metadata != null) {
                spec = bindSpec(kind, specObj, metadata.namespace());
                specObj.done();
            }
        } else {
            // Unknown kind: already reported; do not add a noisy "unknown field" for its body too.
            top.ignore("spec", "data");
        }
        top.done();

        if (spec != null && metadata != null && metadata.name() != null && apiVersion != null) {
            final Resource<?> resource = new Resource<>(apiVersion, kind, metadata, spec, doc.location(root));
            bound.add(new Bound(resource, doc, meta.value("name")));
        }
    }

    private static @Nullable String peekResourceName(Node root) {
        // Problems found before metadata is read (apiVersion, kind) should still name the resource.
        if (!(root instanceof MappingNode mapping)) {
            return null;
        }
        String kind = null;
        String name = null;
        for (var tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                continue;
            }
            if ("kind".equals(key.getValue()) && tuple.getValueNode() instanceof ScalarNode value) {
                kind = value.getValue();
            } else if ("metadata".equals(key.getValue()) &&
                       tuple.getValueNode() instanceof MappingNode meta) {
                for (var m : meta.getValue()) {
                    if (m.getKeyNode() instanceof ScalarNode mk && "name".equals(mk.getValue()) &&
                        m.getValueNode() instanceof ScalarNode mv) {
                        name = mv.getValue();
                    }
                }
            }
        }
        if (kind == null || kind.isEmpty()) {
            return null;
        }
        return name == null || name.isEmpty() ? kind : kind + '/' + name;
    }

    private ObjectMeta metadata(Obj meta) {
        final String name = meta.string("name", true, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
        final String namespace = meta.string("namespace", false, DNS_LABEL, 63, NAMESPACE_EXPECTED);
        final Map<String, String> labels = labels(meta, "labels", 0);
        final Map<String, String> annotations = meta.stringMap("annotations");
        checkMaxBodyAnnotation(meta, annotations);
        checkPoolAnnotations(meta, annotations);
        // Server-populated fields, present in manifests copied from a cluster with kubectl get -o yaml.
        meta.ignore("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields");
        meta.done();
        return new ObjectMeta(name, namespace != null ? namespace : "default", labels, annotations);
    }

    /** The Gateway annotation that sets the largest request body; checked here so a typo fails at load time. */
    static final String MAX_BODY_ANNOTATION = "sluice.dev/max-request-body-bytes";

    private static void checkMaxBodyAnnotation(Obj meta, Map<String, String> annotations) {
        final String value = annotations.get(MAX_BODY_ANNOTATION);
        if (value == null) {
            return;
        }
        long bytes;
        try {
            bytes = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            bytes = -1;
        }
        if (bytes <= 0) {
            final Node annotationsNode = meta.value("annotations");
            meta.doc().problem(annotationsNode, meta.field("annotations") + '.' + MAX_BODY_ANNOTATION,
                               value + " (expected: a positive number of bytes)");
        }
    }

    private static void checkPoolAnnotations(Obj meta, Map<String, String> annotations) {
        for (String problem : PoolSettings.problems(annotations)) {
            meta.doc().problem(meta.value("annotations"), meta.field("annotations") + '.' +
                                                          problem.substring(0, problem.indexOf(':')),
                               problem.substring(problem.indexOf(':') + 2));
        }
    }

    /** Reads a label map and checks keys and values the way Kubernetes does. */
    private static Map<String, String> labels(Obj parent, String key, int minEntries) {
        final Node value = parent.value(key);
        if (value == null) {
            return Map.of();
        }
        final Obj map = parent.doc().obj(value, parent.field(key));
        return map == null ? Map.of() : labels(map, minEntries);
    }

    /** Reads a mapping as a label map and checks keys and values the way Kubernetes does. */
    private static Map<String, String> labels(Obj map, int minEntries) {
        final Map<String, String> labels = map.asStringMap();
        for (Map.Entry<String, String> e : labels.entrySet()) {
            final String field = map.field(e.getKey());
            if (!isLabelKey(e.getKey())) {
                map.doc().problem(map.keyNode(e.getKey()), field,
                                  "key " + e.getKey() + " (expected: a label key: an optional DNS subdomain " +
                                  "prefix and '/', then at most 63 letters, digits, '-', '_' and '.')");
            }
            final String v = e.getValue();
            if (!v.isEmpty() && (v.length() > 63 || !LABEL_NAME.matcher(v).matches())) {
                map.doc().invalid(map.value(e.getKey()), field,
                                  "a label value: at most 63 letters, digits, '-', '_' and '.', " +
                                  "starting and ending alphanumeric");
            }
        }
        if (labels.size() < minEntries || labels.size() > 64) {
            map.doc().problem(map.node, map.path, labels.size() + " labels (expected: " + minEntries + "..64)");
        }
        return labels;
    }

    private static boolean isLabelKey(String key) {
        final int slash = key.indexOf('/');
        final String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0) {
            final String prefix = key.substring(0, slash);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                return false;
            }
        }
        return name.length() <= 63 && LABEL_NAME.matcher(name).matches();
    }

    private Object bindSpec(String kind, Obj spec, String namespace) {
        return switch (kind) {
            case GATEWAY -> gateway(spec);
            case HTTP_ROUTE -> httpRoute(spec, namespace);
            case INFERENCE_POOL -> inferencePool(spec);
            case MODEL_SERVER -> modelServer(spec);
            case INFERENCE_OBJECTIVE -> inferenceObjective(spec, namespace);
            case INFERENCE_MODEL_REWRITE -> inferenceModelRewrite(spec, namespace);
            case TRAFFIC_EXTENSION -> trafficExtension(spec, namespace);
            case BACKEND_POLICY -> backendPolicy(spec, namespace);
            case API_PRODUCT -> apiProduct(spec, namespace);
            case SAFETY_TEMPLATE -> safetyTemplate(spec);
            default -> throw new IllegalStateException("unbound kind: " + kind);
        };
    }

    /* ------------------------------------------------------------------------------------------ Gateway */

    private GatewaySpec gateway(Obj spec) {
        final String className = spec.string("gatewayClassName");
        final List<GatewayAddress> addresses = spec.objects("addresses", (a, node) -> {
            final String type = a.oneOf("type", "IPAddress", List.of("IPAddress", "Hostname"));
            final String value = a.requiredString("value");
            if (type == null || value == null) {
                return null;
            }
            final boolean ok = "IPAddress".equals(type) ? isIpAddress(value)
                                                        : HOST.matcher(value).matches() && value.length() <= 253;
            if (!ok) {
                a.doc().invalid(a.value("value"), a.field("value"),
                                "IPAddress".equals(type) ? "an IP address for type IPAddress"
                                                         : "a host name for type Hostname");
                return null;
            }
            return new GatewayAddress(type, value);
        });

        final Map<String, Integer> names = new HashMap<>();
        final Map<Integer, Integer> ports = new HashMap<>();
        final List<Listener> listeners = new ArrayList<>();
        if (spec.requireNonEmpty("listeners", "at least one listener")) {
            listeners.addAll(spec.objects("listeners", (l, node) -> {
                final Listener listener = listener(l);
                if (listener.name() != null) {
                    unique(l, "name", listener.name(), names, "a unique listener name in this Gateway");
                }
                if (listener.port() > 0) {
                    unique(l, "port", listener.port(), ports, "a unique port in this Gateway");
                }
                return listener;
            }));
        }
        return new GatewaySpec(className, addresses, listeners);
    }

    private static <K> void unique(Obj obj, String key, K value, Map<K, Integer> seen, String expected) {
        final Node node = obj.value(key);
        final Integer firstLine = seen.putIfAbsent(value, node != null ? YamlDocument.line(node) : 0);
        if (firstLine != null && node != null) {
            obj.doc().invalid(node, obj.field(key), expected, "already used at line " + firstLine);
        }
    }

    private static Listener listener(Obj l) {
        final String name = l.string("name", true, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
        final Integer port = l.requiredInteger("port", 1, 65535);
        final String protocol = l.requiredOneOf("protocol", List.of("HTTP", "HTTPS"));
        final String hostname = l.string("hostname", false, WILDCARD_HOSTNAME, 253, HOSTNAME_EXPECTED);
        final Obj tlsObj = l.obj("tls", false);
        ListenerTls tls = null;
        if (tlsObj != null) {
            final String mode = tlsObj.oneOf("mode", "Terminate", List.of("Terminate"));
            final String certificate = pemFile(tlsObj, "certificateFile");
            final String privateKey = pemFile(tlsObj, "privateKeyFile");
            tlsObj.done();
            tls = new ListenerTls(mode, certificate, privateKey);
            if ("HTTP".equals(protocol)) {
                l.doc().problem(l.keyNode("tls"), l.field("tls"),
                                "set on an HTTP listener (expected: no tls, or protocol HTTPS)");
            }
        } else if ("HTTPS".equals(protocol) && !l.has("tls")) {
            l.missing("tls", "certificateFile and privateKeyFile for an HTTPS listener");
        }
        return new Listener(name, port != null ? port : 0, protocol, hostname, tls);
    }

    /** Reads a file path relative to the YAML file, checks that it is readable, and returns it absolute. */
    private static @Nullable String pemFile(Obj obj, String key) {
        final String value = obj.requiredString(key);
        if (value == null) {
            return null;
        }
        final Path path = obj.doc().baseDir.resolve(value).toAbsolutePath().normalize();
        if (!Files.isRegularFile(path)) {
            obj.doc().invalid(obj.value(key), obj.field(key), "a PEM file, relative to this YAML file",
                              path + " does not exist");
            return null;
        }
        if (!Files.isReadable(path)) {
            obj.doc().invalid(obj.value(key), obj.field(key), "a PEM file, relative to this YAML file",
                              path + " is not readable");
            return null;
        }
        return path.toString();
    }

    /* ------------------------------------------------------------------------------------------ HTTPRoute */

    private HttpRouteSpec httpRoute(Obj spec, String namespace) {
        final List<ParentRef> parentRefs = spec.objects("parentRefs", (p, node) -> gatewayRef(p, namespace, true));
        final List<String> hostnames = spec.list("hostnames", (node, field) -> {
            final String s = spec.doc().asString(node, field);
            if (s != null && (s.length() > 253 || !WILDCARD_HOSTNAME.matcher(s).matches())) {
                spec.doc().invalid(node, field, HOSTNAME_EXPECTED);
                return null;
            }
            return s;
        });
        final List<RouteRule> rules = new ArrayList<>();
        if (spec.requireNonEmpty("rules", "at least one rule")) {
            rules.addAll(spec.objects("rules", (r, node) -> routeRule(r, namespace)));
        }
        return new HttpRouteSpec(parentRefs, hostnames, rules);
    }

    /** Reads a reference to a Gateway (an HTTPRoute parentRef or a TrafficExtension targetRef). */
    private ParentRef gatewayRef(Obj ref, String namespace, boolean allowSection) {
        final String group = ref.oneOf("group", null, List.of(GATEWAY_GROUP));
        final String kind = ref.oneOf("kind", null, List.of(GATEWAY));
        final String name = ref.string("name", true, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
        final String section = allowSection ? ref.string("sectionName", false, DNS_SUBDOMAIN, 253, NAME_EXPECTED)
                                            : null;
        final Node nameNode = ref.value("name");
        final Node sectionNode = allowSection ? ref.value("sectionName") : null;
        if (name != null && nameNode != null) {
            final YamlDocument doc = ref.doc();
            final String nameField = ref.field("name");
            final String sectionField = ref.field("sectionName");
            crossChecks.add(() -> {
                // Without any Gateway the file-mode default listener serves every route, so there is nothing
                // to attach to by name.
                final Map<String, Resource<?>> gateways = index.getOrDefault(GATEWAY, Map.of());
                if (gateways.isEmpty()) {
                    return;
                }
                final Resource<?> gateway = gateways.get(namespace + '/' + name);
                if (gateway == null) {
                    doc.invalid(nameNode, nameField, "the name of a Gateway in namespace " + namespace,
                                "known: " + known(GATEWAY, namespace));
                    return;
                }
                if (section != null && sectionNode != null) {
                    final GatewaySpec gatewaySpec = (GatewaySpec) gateway.spec();
                    final List<String> listenerNames =
                            gatewaySpec.listeners().stream().map(Listener::name).toList();
                    if (!listenerNames.contains(section)) {
                        doc.invalid(sectionNode, sectionField, "a listener of Gateway/" + name,
                                    "known: " + String.join(", ", listenerNames));
                    }
                }
            });
        }
        return new ParentRef(group, kind, name, section);
    }

    private RouteRule routeRule(Obj r, String namespace) {
        final String name = r.string("name", false, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
        final List<RouteMatch> matches = r.objects("matches", (m, node) -> routeMatch(m));
        final List<BackendRef> backendRefs = new ArrayList<>();
        if (r.requireNonEmpty("backendRefs", "at least one backend")) {
            backendRefs.addAll(r.objects("backendRefs", (b, node) -> backendRef(b, namespace)));
        }
        RouteTimeouts timeouts = null;
        final Obj t = r.obj("timeouts", false);
        if (t != null) {
            final Duration request = t.duration("request", false, null);
            final Duration backendRequest = t.duration("backendRequest", false, null);
            if (request != null && backendRequest != null && backendRequest.compareTo(request) > 0) {
                t.doc().invalid(t.value("backendRequest"), t.field("backendRequest"),
                                "at most timeouts.request (" + GatewayDurations.format(request) + ')');
            }
            t.done();
            timeouts = new RouteTimeouts(request, backendRequest);
        }
        return new RouteRule(name, matches, backendRefs, timeouts);
    }

    private static RouteMatch routeMatch(Obj m) {
        PathMatch path = new PathMatch("PathPrefix", "/");
        final Obj p = m.obj("path", false);
        if (p != null) {
            final String type = p.oneOf("type", "PathPrefix", List.of("PathPrefix", "Exact", "RegularExpression"));
            final Node valueNode = p.value("value");
            String value = p.string("value");
            if (value == null) {
                value = "/";
            } else if ("RegularExpression".equals(type)) {
                checkRegex(p, valueNode, p.field("value"), value);
            } else if (!value.startsWith("/") || value.length() > 1024) {
                // Upstream requires an absolute path for prefix and exact matches; a regex may start anywhere.
                p.doc().invalid(valueNode, p.field("value"), "a path starting with '/', at most 1024 characters");
            }
            p.done();
            path = new PathMatch(type, value);
        }
        final Map<String, Integer> headerNames = new HashMap<>();
        final List<HeaderMatch> headers = m.objects("headers", (h, node) -> {
            final String type = h.oneOf("type", "Exact", List.of("Exact", "RegularExpression"));
            final String name = h.string("name", true, HEADER_NAME, 256, "an HTTP header name");
            final String value = h.requiredString("value");
            if (name != null) {
                unique(h, "name", name.toLowerCase(Locale.ROOT), headerNames, "a header named once per match");
            }
            if (value != null && "RegularExpression".equals(type)) {
                checkRegex(h, h.value("value"), h.field("value"), value);
            }
            return new HeaderMatch(type, name, value);
        });
        final String method = m.oneOf("method", null, METHODS);
        return new RouteMatch(path, headers, method);
    }

    private static void checkRegex(Obj obj, @Nullable Node node, String field, String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            obj.doc().invalid(node != null ? node : obj.node, field, "a Java regular expression",
                              e.getDescription() + " near index " + e.getIndex());
        }
    }

    private BackendRef backendRef(Obj b, String namespace) {
        final Node groupNode = b.value("group");
        String group = b.string("group");
        final String kind = b.oneOf("kind", "Service", List.of("Service", INFERENCE_POOL));
        b.value("name"); // read below by kind; listed here so that messages list the fields in their usual order
        final Integer port = b.integer("port", 1, 65535);
        final int weight = b.integer("weight", 0, MAX_WEIGHT, 1);
        String name = null;
        if ("Service".equals(kind)) {
            // In file mode a Service name is the host to connect to, so it may be an IP address too.
            name = b.string("name", true, ANY, 253, HOST_EXPECTED);
            if (name != null && !HOST.matcher(name).matches() && !isIpAddress(name)) {
                b.doc().invalid(b.value("name"), b.field("name"), HOST_EXPECTED);
            }
            if (group != null && !group.isEmpty() && groupNode != null) {
                b.doc().invalid(groupNode, b.field("group"), "\"\" (the core group) for kind Service");
            }
            group = "";
            if (port == null && !b.has("port")) {
                b.missing("port", "a port 1..65535 for kind Service");
            }
        } else if (INFERENCE_POOL.equals(kind)) {
            name = b.string("name", true, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
            if (group == null) {
                b.missing("group", INFERENCE_GROUP + " for kind InferencePool");
            } else if (!INFERENCE_GROUP.equals(group) && !LEGACY_INFERENCE_GROUP.equals(group)) {
                b.doc().invalid(groupNode, b.field("group"),
                                INFERENCE_GROUP + " (or " + LEGACY_INFERENCE_GROUP + ") for kind InferencePool");
            }
            if (name != null) {
                expectPool(b, name, namespace);
            }
        }
        return new BackendRef(group != null ? group : "", kind, name, port, weight);
    }

    /* ------------------------------------------------------------------------------------------ InferencePool */

    private static InferencePoolSpec inferencePool(Obj spec) {
        Map<String, String> matchLabels = Map.of();
        final Obj selector = spec.obj("selector", true);
        if (selector != null) {
            if (selector.keys().contains("matchLabels")) {
                matchLabels = labels(selector, "matchLabels", 1);
                if (!selector.has("matchLabels")) {
                    selector.missing("matchLabels", "1..64 labels");
                }
                selector.done();
            } else {
                // The v1alpha2 form: the selector itself is the label map.
                matchLabels = labels(selector, 1);
            }
        }

        final Map<Integer, Integer> seen = new HashMap<>();
        final List<Integer> targetPorts = new ArrayList<>();
        if (spec.requireNonEmpty("targetPorts", "1..8 ports")) {
            targetPorts.addAll(spec.objects("targetPorts", (p, node) -> {
                final Integer number = p.requiredInteger("number", 1, 65535);
                if (number != null) {
                    unique(p, "number", number, seen, "a unique port in this pool");
                }
                return number;
            }));
            if (targetPorts.size() > 8) {
                spec.doc().invalid(spec.value("targetPorts"), spec.field("targetPorts"), "1..8 ports",
                                   targetPorts.size() + " given");
            }
        }
        final String appProtocol = spec.oneOf("appProtocol", "http", List.of("http", "kubernetes.io/h2c"));

        EndpointPickerRef picker = null;
        final Obj ref = spec.obj("endpointPickerRef", false);
        if (ref != null) {
            final String group = ref.string("group");
            final String kind = ref.string("kind");
            final String name = ref.string("name", true, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
            Integer port = null;
            final Obj portObj = ref.obj("port", false);
            if (portObj != null) {
                port = portObj.requiredInteger("number", 1, 65535);
                portObj.done();
            }
            final String failureMode = ref.oneOf("failureMode", "FailClose", List.of("FailOpen", "FailClose"));
            ref.done();
            picker = new EndpointPickerRef(group, kind, name, port, failureMode);
        }
        return new InferencePoolSpec(matchLabels, targetPorts, appProtocol, picker);
    }

    /* ------------------------------------------------------------------------------------------ ModelServer */

    /** The simulator's built-in parameter profiles, by name. */
    private static final List<String> PROFILES =
            dev.sluice.simulator.SimulatorProfile.builtIn().stream().map(p -> p.name()).toList();

    private static ModelServerSpec modelServer(Obj spec) {
        final String address = spec.string("address", false, ANY, 253, HOST_EXPECTED);
        if (address != null && !HOST.matcher(address).matches() && !isIpAddress(address)) {
            spec.doc().invalid(spec.value("address"), spec.field("address"), HOST_EXPECTED);
        }
        final Integer port = spec.integer("port", 1, 65535);
        SimulatedServerSpec simulated = null;
        final Obj sim = spec.obj("simulated", false);
        if (sim != null) {
            final String model = sim.string("model", true, ANY, 256, "a model name");
            final List<String> adapters = sim.strings("loraAdapters");
            final Duration ttft = sim.duration("timeToFirstToken", true, null);
            final Duration itl = sim.duration("interTokenLatency", true, null);
            final Integer outputTokens = sim.integer("outputTokens", 1, Integer.MAX_VALUE);
            final Long seed = sim.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
            final String profile = sim.string("profile", false, ANY, 64, "a simulator profile: " + PROFILES);
            if (profile != null && !PROFILES.contains(profile)) {
                sim.doc().invalid(sim.value("profile"), sim.field("profile"), "one of " + PROFILES);
            }
            final Integer timeCompression = sim.integer("timeCompression", 1, 10_000);
            final Integer kvCacheBlocks = sim.integer("kvCacheBlocks", 1, Integer.MAX_VALUE);
            final Integer maxLoras = sim.integer("maxLoras", 1, 1024);
            sim.done();
            simulated = new SimulatedServerSpec(model, adapters, ttft, itl, outputTokens, seed, profile,
                                                timeCompression, kvCacheBlocks, maxLoras);
        }
        final boolean hasAddress = spec.has("address");
        final boolean hasSimulated = spec.has("simulated");
        if (hasAddress && hasSimulated) {
            spec.doc().problem(spec.keyNode("simulated"), spec.field("simulated"),
                               "set together with address (expected: exactly one of address, simulated)");
        } else if (!hasAddress && !hasSimulated) {
            spec.doc().problem(spec.node, spec.path.isEmpty() ? null : spec.path,
                               "neither address nor simulated (expected: exactly one of address, simulated)");
        }
        if (hasSimulated && spec.has("port")) {
            spec.doc().problem(spec.keyNode("port"), spec.field("port"),
                               "set with simulated (expected: port only with address; a simulated server " +
                               "listens on an ephemeral port)");
        }
        return new ModelServerSpec(address, port, simulated);
    }

    /* ------------------------------------------------------------------------------------------ objectives */

    private InferenceObjectiveSpec inferenceObjective(Obj spec, String namespace) {
        final int priority = spec.integer("priority", Integer.MIN_VALUE, Integer.MAX_VALUE, 0);
        final Obj ref = spec.obj("poolRef", true);
        final PoolRef poolRef = ref != null ? poolRef(ref, namespace) : null;
        return new InferenceObjectiveSpec(priority, poolRef);
    }

    private InferenceModelRewriteSpec inferenceModelRewrite(Obj spec, String namespace) {
        final Obj ref = spec.obj("poolRef", true);
        final PoolRef poolRef = ref != null ? poolRef(ref, namespace) : null;
        final List<RewriteRule> rules = new ArrayList<>();
        if (spec.requireNonEmpty("rules", "at least one rule")) {
            rules.addAll(spec.objects("rules", (r, node) -> {
                final List<ModelMatch> matches = r.objects("matches", (m, n) -> {
                    final Obj model = m.obj("model", true);
                    if (model == null) {
                        return null;
                    }
                    // Upstream supports only exact model names.
                    final String type = model.oneOf("type", "Exact", List.of("Exact"));
                    final String value = model.string("value", true, ANY, 256, "a model name");
                    model.done();
                    return new ModelMatch(type, value);
                });
                final List<RewriteTarget> targets = new ArrayList<>();
                if (r.requireNonEmpty("targets", "at least one target")) {
                    targets.addAll(r.objects("targets", (t, n) -> new RewriteTarget(
                            t.string("modelRewrite", true, ANY, 256, "a model name"),
                            t.integer("weight", 0, MAX_WEIGHT, 1))));
                }
                return new RewriteRule(matches, targets);
            }));
        }
        return new InferenceModelRewriteSpec(poolRef, rules);
    }

    /** Reads a reference to an InferencePool and queues the check that it exists. */
    private PoolRef poolRef(Obj ref, String namespace) {
        final String group = ref.oneOf("group", null, List.of(INFERENCE_GROUP, LEGACY_INFERENCE_GROUP));
        final String kind = ref.oneOf("kind", INFERENCE_POOL, List.of(INFERENCE_POOL));
        final String name = ref.string("name", true, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
        if (name != null) {
            expectPool(ref, name, namespace);
        }
        ref.done();
        return new PoolRef(group, kind, name);
    }

    private void expectPool(Obj ref, String name, String namespace) {
        final Node nameNode = ref.value("name");
        final YamlDocument doc = ref.doc();
        final String field = ref.field("name");
        crossChecks.add(() -> {
            if (!index.getOrDefault(INFERENCE_POOL, Map.of()).containsKey(namespace + '/' + name)) {
                doc.invalid(nameNode, field, "the name of an InferencePool in namespace " + namespace,
                            "known: " + known(INFERENCE_POOL, namespace));
            }
        });
    }

    /* ------------------------------------------------------------------------------------------ TrafficExtension */

    private TrafficExtensionSpec trafficExtension(Obj spec, String namespace) {
        final List<ParentRef> targetRefs = new ArrayList<>();
        if (spec.requireNonEmpty("targetRefs", "at least one Gateway")) {
            targetRefs.addAll(spec.objects("targetRefs", (t, node) -> gatewayRef(t, namespace, false)));
        }
        final Map<String, Integer> chainNames = new HashMap<>();
        final List<ExtensionChainSpec> chains = new ArrayList<>();
        if (spec.requireNonEmpty("extensionChains", "at least one extension chain")) {
            chains.addAll(spec.objects("extensionChains", (c, node) -> {
                final String name = c.string("name", true, EXTENSION_NAME, 63, EXTENSION_NAME_EXPECTED);
                if (name != null) {
                    unique(c, "name", name, chainNames, "a unique chain name in this TrafficExtension");
                }
                final List<String> matchers = new ArrayList<>();
                final Obj condition = c.obj("matchCondition", false);
                if (condition != null) {
                    matchers.addAll(condition.objects("celExpressions", (e, n) -> celMatcher(e)));
                    condition.done();
                }
                final Map<String, Integer> extensionNames = new HashMap<>();
                final List<ExtensionSpec> extensions = new ArrayList<>();
                if (c.requireNonEmpty("extensions", "at least one extension")) {
                    extensions.addAll(c.objects("extensions", (e, n) -> extension(e, extensionNames)));
                }
                return new ExtensionChainSpec(name, matchers, extensions);
            }));
        }
        return new TrafficExtensionSpec(targetRefs, chains);
    }

    private static @Nullable String celMatcher(Obj e) {
        final String expression = e.requiredString("celMatcher");
        if (expression == null) {
            return null;
        }
        try {
            CelMatchers.compile(expression);
        } catch (IllegalArgumentException ex) {
            e.doc().invalid(e.value("celMatcher"), e.field("celMatcher"),
                            "a boolean CEL expression over request", ex.getMessage());
            return null;
        }
        return expression;
    }

    private ExtensionSpec extension(Obj e, Map<String, Integer> names) {
        final String name = e.string("name", true, EXTENSION_NAME, 63, EXTENSION_NAME_EXPECTED);
        if (name != null) {
            unique(e, "name", name, names, "a unique extension name in this chain");
        }
        final String services = knownServices.isEmpty() ? "none are registered"
                                                        : "one of " + String.join(", ", knownServices);
        final String service = e.requiredString("service");
        if (service != null && !knownServices.contains(service)) {
            e.doc().invalid(e.value("service"), e.field("service"), "a known extension service: " + services);
        }
        final List<String> events = new ArrayList<>();
        if (e.requireNonEmpty("supportedEvents", "at least one of " + String.join(", ", EVENTS))) {
            // Elements are collected as they are checked, so that a repeated event can be reported.
            e.list("supportedEvents", (node, field) -> {
                final String event = e.doc().asString(node, field);
                if (event == null) {
                    return null;
                }
                if (!EVENTS.contains(event)) {
                    e.doc().invalid(node, field, "one of " + String.join(", ", EVENTS));
                    return null;
                }
                if (events.contains(event)) {
                    e.doc().invalid(node, field, "each event once");
                    return null;
                }
                events.add(event);
                return null;
            });
        }
        final Duration timeout = e.duration("timeout", false, MAX_EXTENSION_TIMEOUT);
        final boolean failOpen = e.bool("failOpen", false);
        final Map<String, String> metadata = e.stringMap("metadata");
        if (SAFETY_SERVICE.equals(service) && knownServices.contains(SAFETY_SERVICE)) {
            safetyMetadata(e, metadata);
        }
        return new ExtensionSpec(name, service, events, timeout != null ? timeout : DEFAULT_EXTENSION_TIMEOUT,
                                 failOpen, metadata);
    }

    /** The built-in safety extension, whose metadata names SafetyTemplates. */
    static final String SAFETY_SERVICE = "safety";

    /** Checks the safety extension's metadata now, and that the templates it names exist once all are read. */
    private void safetyMetadata(Obj e, Map<String, String> metadata) {
        final Node node = e.value("metadata");
        final SafetySettings settings;
        try {
            settings = SafetySettings.of(metadata);
        } catch (IllegalArgumentException ex) {
            e.doc().problem(node != null ? node : e.node, e.field("metadata"), ex.getMessage());
            return;
        }
        final YamlDocument doc = e.doc();
        final String field = e.field("metadata") + '.' + SafetySettings.SETTINGS_KEY;
        final Node at = node != null ? node : e.node;
        crossChecks.add(() -> {
            final java.util.Set<String> known = new TreeSet<>();
            index.getOrDefault(SAFETY_TEMPLATE, Map.of()).keySet()
                 .forEach(k -> known.add(k.substring(k.indexOf('/') + 1)));
            for (String name : settings.templateNames()) {
                if (!known.contains(name)) {
                    doc.problem(at, field, name + " is not defined (expected: the name of a SafetyTemplate; " +
                                           "known: " + (known.isEmpty() ? "none" : String.join(", ", known)) + ')');
                }
            }
        });
    }

    /* ------------------------------------------------------------------------------------------ ApiProduct */

    private static final Pattern OPERATION_PATH = Pattern.compile("/([^/?#\\s]+(/[^/?#\\s]+)*)?/?");
    private static final Pattern SPIKE_ARREST_RATE = Pattern.compile("[1-9][0-9]{0,8}(ps|pm)");
    private static final Pattern MODEL_PATTERN = Pattern.compile("\\S+");

    private ApiProductSpec apiProduct(Obj spec, String namespace) {
        final String displayName = spec.string("displayName");
        final String description = spec.string("description");
        final List<String> models = spec.list("models", (node, field) -> {
            final String m = spec.doc().asString(node, field);
            if (m != null && (m.length() > 256 || !MODEL_PATTERN.matcher(m).matches())) {
                spec.doc().invalid(node, field, "a model name or a glob such as meta-llama/*, at most 256");
                return null;
            }
            return m;
        });
        final List<ApiOperation> operations = spec.objects("operations", (o, node) -> {
            final String path = o.string("path", true, OPERATION_PATH, 1024,
                                         "a path starting with /, where * is one segment and a last /** any rest");
            final List<String> methods = o.list("methods", (n, field) -> {
                final String m = o.doc().asString(n, field);
                if (m != null && !METHODS.contains(m)) {
                    o.doc().invalid(n, field, "one of " + String.join(", ", METHODS));
                    return null;
                }
                return m;
            });
            return path == null ? null : new ApiOperation(path, methods);
        });
        final List<ApiQuota> quotas = spec.objects("quotas", (q, node) -> {
            final Long limit = q.integer("limit", 1L, Long.MAX_VALUE);
            if (!q.has("limit")) {
                q.missing("limit", "an integer >= 1");
            }
            final int interval = q.integer("interval", 1, 1_000_000, 1);
            final String timeUnit = q.requiredOneOf("timeUnit", List.of("minute", "hour", "day", "week", "month"));
            final String type = q.oneOf("type", "calendar", List.of("calendar", "rollingwindow"));
            final String counts = q.oneOf("counts", "requests",
                                          List.of("requests", "inputTokens", "outputTokens", "totalTokens"));
            return limit == null || timeUnit == null ? null : new ApiQuota(limit, interval, timeUnit, type, counts);
        });
        final String spikeArrest = spec.string("spikeArrest", false, SPIKE_ARREST_RATE, 12,
                                               "a rate such as 10ps (per second) or 30pm (per minute)");
        final String objective = spec.string("objective", false, DNS_SUBDOMAIN, 253, NAME_EXPECTED);
        if (objective != null) {
            final Node node = spec.value("objective");
            final YamlDocument doc = spec.doc();
            final String field = spec.field("objective");
            crossChecks.add(() -> {
                if (!index.getOrDefault(INFERENCE_OBJECTIVE, Map.of()).containsKey(namespace + '/' + objective)) {
                    doc.invalid(node, field, "the name of an InferenceObjective in namespace " + namespace,
                                "known: " + known(INFERENCE_OBJECTIVE, namespace));
                }
            });
        }
        final Integer defaultMaxTokens = spec.integer("defaultMaxTokens", 0, Integer.MAX_VALUE);
        final String quotaIdentifier = spec.oneOf("quotaIdentifier", "app", List.of("app", "developer", "key"));
        final Integer priority = spec.integer("priority", Integer.MIN_VALUE, Integer.MAX_VALUE);
        return new ApiProductSpec(displayName, description, models, operations, quotas, spikeArrest, objective,
                                  defaultMaxTokens, quotaIdentifier, priority);
    }

    /* ------------------------------------------------------------------------------------------ SafetyTemplate */

    /** Model Armor's {@code RaiFilterType} names. */
    static final List<String> RAI_FILTER_TYPES = List.of("SEXUALLY_EXPLICIT", "HATE_SPEECH", "HARASSMENT",
                                                         "DANGEROUS");
    /** {@code DetectionConfidenceLevel}; UNSPECIFIED takes Sluice's documented default. */
    static final List<String> CONFIDENCE_LEVELS = List.of("DETECTION_CONFIDENCE_LEVEL_UNSPECIFIED",
                                                          "LOW_AND_ABOVE", "MEDIUM_AND_ABOVE", "HIGH");
    /** The default confidence level where Google's sources disagree (docs/safety.md explains the choice). */
    static final String DEFAULT_CONFIDENCE = "MEDIUM_AND_ABOVE";
    static final List<String> PI_ENFORCEMENT = List.of("PI_AND_JAILBREAK_FILTER_ENFORCEMENT_UNSPECIFIED", "ENABLED",
                                                       "DISABLED");
    static final List<String> URI_ENFORCEMENT = List.of("MALICIOUS_URI_FILTER_ENFORCEMENT_UNSPECIFIED", "ENABLED",
                                                        "DISABLED");
    static final List<String> SDP_ENFORCEMENT = List.of("SDP_BASIC_CONFIG_ENFORCEMENT_UNSPECIFIED", "ENABLED",
                                                        "DISABLED");
    static final List<String> ENFORCEMENT_TYPES = List.of("ENFORCEMENT_TYPE_UNSPECIFIED", "INSPECT_ONLY",
                                                          "INSPECT_AND_BLOCK");
    /** {@code SdpFindingLikelihood}; UNSPECIFIED is POSSIBLE, as Google documents. */
    static final List<String> LIKELIHOODS = List.of("SDP_FINDING_LIKELIHOOD_UNSPECIFIED", "VERY_UNLIKELY",
                                                    "UNLIKELY", "POSSIBLE", "LIKELY", "VERY_LIKELY");
    static final List<String> DEIDENTIFY_TRANSFORMS = List.of("MASK", "REPLACE_WITH_INFO_TYPE");
    static final List<String> GUARD_TYPES = List.of("ModelArmor", "ChatModel");
    /** The info types the detectors report, in the order error messages list them. */
    static final List<String> INFO_TYPES = InfoTypes.ALL.stream().sorted().toList();
    private static final Pattern ANY_URL = Pattern.compile("https?://[^\\s]+");
    private static final Pattern TEMPLATE_ID = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9]{0,62}");

    private SafetyTemplateSpec safetyTemplate(Obj spec) {
        final Obj fc = spec.obj("filterConfig", true);
        SafetyFilterConfig filterConfig = new SafetyFilterConfig(List.of(), null, "DISABLED", null);
        if (fc != null) {
            filterConfig = filterConfig(fc);
            fc.done();
        }
        final Obj tm = spec.obj("templateMetadata", false);
        SafetyTemplateMetadata metadata = new SafetyTemplateMetadata("INSPECT_AND_BLOCK", null, null, null, null,
                                                                     false, false, false);
        if (tm != null) {
            metadata = templateMetadata(tm);
            tm.done();
        }
        final Obj g = spec.obj("guard", false);
        SafetyGuardSpec guard = null;
        if (g != null) {
            guard = guard(g);
            g.done();
        }
        return new SafetyTemplateSpec(filterConfig, metadata, guard);
    }

    private static SafetyFilterConfig filterConfig(Obj fc) {
        final List<RaiFilterSpec> rai = new ArrayList<>();
        final Obj raiSettings = fc.obj("raiSettings", false);
        if (raiSettings != null) {
            final Map<String, Integer> seen = new HashMap<>();
            rai.addAll(raiSettings.objects("raiFilters", (f, node) -> {
                final String type = f.requiredOneOf("filterType", RAI_FILTER_TYPES);
                if (type != null) {
                    unique(f, "filterType", type, seen, "each filterType once");
                }
                final String level = confidence(f);
                return type == null ? null : new RaiFilterSpec(type, level);
            }));
            raiSettings.done();
        }
        PiAndJailbreakSpec pi = null;
        final Obj piObj = fc.obj("piAndJailbreakFilterSettings", false);
        if (piObj != null) {
            final String enforcement = enabled(piObj.oneOf("filterEnforcement", PI_ENFORCEMENT.get(0),
                                                           PI_ENFORCEMENT));
            pi = new PiAndJailbreakSpec(enforcement, confidence(piObj));
            piObj.done();
        }
        String uri = "DISABLED";
        final Obj uriObj = fc.obj("maliciousUriFilterSettings", false);
        if (uriObj != null) {
            uri = enabled(uriObj.oneOf("filterEnforcement", URI_ENFORCEMENT.get(0), URI_ENFORCEMENT));
            uriObj.done();
        }
        SdpSettingsSpec sdp = null;
        final Obj sdpObj = fc.obj("sdpSettings", false);
        if (sdpObj != null) {
            sdp = sdpSettings(sdpObj);
            sdpObj.done();
        }
        // Newer Model Armor fields Sluice reads but does not apply; rejecting them would break copied templates.
        if (fc.has("filterRuleSettings")) {
            fc.doc().problem(fc.keyNode("filterRuleSettings"), fc.field("filterRuleSettings"),
                             "not supported (expected: no exclusion rules; Sluice does not implement them yet)");
        }
        return new SafetyFilterConfig(List.copyOf(rai), pi, uri, sdp);
    }

    /** Maps the three enforcement values to ENABLED or DISABLED (UNSPECIFIED is "Same as Disabled"). */
    private static String enabled(@Nullable String enforcement) {
        return "ENABLED".equals(enforcement) ? "ENABLED" : "DISABLED";
    }

    private static String confidence(Obj o) {
        final String level = o.oneOf("confidenceLevel", DEFAULT_CONFIDENCE, CONFIDENCE_LEVELS);
        return level == null || level.equals(CONFIDENCE_LEVELS.get(0)) ? DEFAULT_CONFIDENCE : level;
    }

    private static @Nullable SdpSettingsSpec sdpSettings(Obj sdp) {
        final Obj basic = sdp.obj("basicConfig", false);
        final Obj advanced = sdp.obj("advancedConfig", false);
        if (basic != null && advanced != null) {
            sdp.doc().problem(sdp.keyNode("advancedConfig"), sdp.field("advancedConfig"),
                              "set with basicConfig (expected: one of basicConfig or advancedConfig)");
        }
        if (basic != null) {
            final String enforcement = enabled(basic.oneOf("filterEnforcement", SDP_ENFORCEMENT.get(0),
                                                           SDP_ENFORCEMENT));
            basic.done();
            return new SdpSettingsSpec(enforcement, null, null);
        }
        if (advanced == null) {
            if (sdp.keys().isEmpty()) {
                return null;
            }
            sdp.done();
            return null;
        }
        SdpInspectSpec inspect = null;
        SdpDeidentifySpec deidentify = null;
        final Node inspectNode = advanced.value("inspectTemplate");
        if (inspectNode == null) {
            advanced.missing("inspectTemplate", "an in-line inspect template {infoTypes, minLikelihood}");
        } else if (inspectNode instanceof ScalarNode) {
            advanced.doc().invalid(inspectNode, advanced.field("inspectTemplate"),
                                   "an in-line inspect template {infoTypes, minLikelihood}",
                                   "Sluice has no Sensitive Data Protection templates to refer to by name");
        } else {
            final Obj in = advanced.obj("inspectTemplate", true);
            if (in != null) {
                final List<String> types = infoTypes(in, true);
                final String likelihood = in.oneOf("minLikelihood", "POSSIBLE", LIKELIHOODS);
                in.done();
                inspect = new SdpInspectSpec(types, LIKELIHOODS.get(0).equals(likelihood) ? "POSSIBLE"
                                                                                          : likelihood);
            }
        }
        final Node deNode = advanced.value("deidentifyTemplate");
        if (deNode instanceof ScalarNode) {
            advanced.doc().invalid(deNode, advanced.field("deidentifyTemplate"),
                                   "an in-line de-identify template {transform, maskingCharacter, infoTypes}",
                                   "Sluice has no Sensitive Data Protection templates to refer to by name");
        } else if (deNode != null) {
            final Obj de = advanced.obj("deidentifyTemplate", true);
            if (de != null) {
                final String transform = de.oneOf("transform", "MASK", DEIDENTIFY_TRANSFORMS);
                final String mask = de.string("maskingCharacter");
                if (mask != null && mask.codePointCount(0, mask.length()) != 1) {
                    de.doc().invalid(de.value("maskingCharacter"), de.field("maskingCharacter"),
                                     "one character such as '*' or '#'");
                }
                final List<String> types = infoTypes(de, false);
                if (inspect != null) {
                    for (String t : types) {
                        if (!inspect.infoTypes().contains(t)) {
                            de.doc().problem(de.value("infoTypes"), de.field("infoTypes"),
                                             t + " is not in inspectTemplate.infoTypes (expected: info types that " +
                                             "the inspect template also lists, as Google requires)");
                        }
                    }
                }
                de.done();
                deidentify = new SdpDeidentifySpec(transform, mask != null && !mask.isEmpty() ? mask : "*", types);
            }
        }
        advanced.done();
        return inspect == null ? null : new SdpSettingsSpec(null, inspect, deidentify);
    }

    private static List<String> infoTypes(Obj o, boolean required) {
        if (required && !o.requireNonEmpty("infoTypes", "at least one info type: " + String.join(", ", INFO_TYPES))) {
            return List.of();
        }
        final List<String> seen = new ArrayList<>();
        return o.list("infoTypes", (node, field) -> {
            final String t = o.doc().asString(node, field);
            if (t == null) {
                return null;
            }
            if (!INFO_TYPES.contains(t)) {
                o.doc().invalid(node, field, "one of " + String.join(", ", INFO_TYPES));
                return null;
            }
            if (seen.contains(t)) {
                o.doc().invalid(node, field, "each info type once");
                return null;
            }
            seen.add(t);
            return t;
        });
    }

    private static SafetyTemplateMetadata templateMetadata(Obj tm) {
        final String enforcement = tm.oneOf("enforcementType", "INSPECT_AND_BLOCK", ENFORCEMENT_TYPES);
        final Integer promptCode = tm.integer("customPromptSafetyErrorCode", 400, 599);
        final String promptMessage = tm.string("customPromptSafetyErrorMessage");
        final Integer responseCode = tm.integer("customLlmResponseSafetyErrorCode", 400, 599);
        final String responseMessage = tm.string("customLlmResponseSafetyErrorMessage");
        final boolean logSanitize = tm.bool("logSanitizeOperations", false);
        final boolean logTemplate = tm.bool("logTemplateOperations", false);
        final boolean ignorePartial = tm.bool("ignorePartialInvocationFailures", false);
        // Accepted so templates copied from Model Armor load; the detectors do not depend on a language setting.
        final Obj multi = tm.obj("multiLanguageDetection", false);
        if (multi != null) {
            multi.bool("enableMultiLanguageDetection", false);
            multi.done();
        }
        return new SafetyTemplateMetadata(
                "INSPECT_ONLY".equals(enforcement) ? "INSPECT_ONLY" : "INSPECT_AND_BLOCK", promptCode,
                promptMessage, responseCode, responseMessage, logSanitize, logTemplate, ignorePartial);
    }

    private static @Nullable SafetyGuardSpec guard(Obj g) {
        final String type = g.requiredOneOf("type", GUARD_TYPES);
        final String url = g.string("url", true, ANY_URL, 2048, "an http:// or https:// base URL");
        String template = null;
        String model = null;
        if ("ModelArmor".equals(type)) {
            template = g.string("template", true, TEMPLATE_ID, 63,
                                "the guard's template id: letters, digits and '-', at most 63");
        } else if ("ChatModel".equals(type)) {
            model = g.requiredString("model");
        }
        final Duration timeout = g.duration("timeout", false, MAX_EXTENSION_TIMEOUT);
        final boolean failOpen = g.bool("failOpen", false);
        if (type != null && "ModelArmor".equals(type) && g.has("model")) {
            g.doc().problem(g.keyNode("model"), g.field("model"), "set for type ModelArmor (expected: template)");
        }
        if (type != null && "ChatModel".equals(type) && g.has("template")) {
            g.doc().problem(g.keyNode("template"), g.field("template"), "set for type ChatModel (expected: model)");
        }
        return type == null || url == null ? null
               : new SafetyGuardSpec(type, url, template, model, timeout != null ? timeout : Duration.ofMillis(500),
                                     failOpen);
    }

    /* ------------------------------------------------------------------------------------------ BackendPolicy */

    private BackendPolicySpec backendPolicy(Obj spec, String namespace) {
        final Obj target = spec.obj("targetRef", true);
        final PoolRef targetRef = target != null ? poolRef(target, namespace) : null;
        // The seed's GCPBackendPolicy nests settings under spec.default; the flat form is shorter by hand.
        final Obj defaults = spec.obj("default", false);
        LoggingPolicy logging = logging(spec);
        Integer maxAttempts = spec.integer("maxAttempts", 1, 10);
        if (defaults != null) {
            final LoggingPolicy nestedLogging = logging(defaults);
            final Integer nestedAttempts = defaults.integer("maxAttempts", 1, 10);
            for (String key : List.of("logging", "maxAttempts")) {
                if (defaults.has(key) && spec.has(key)) {
                    spec.doc().problem(spec.keyNode(key), spec.field(key),
                                       "set both here and in spec.default (expected: one of them)");
                }
            }
            logging = logging != null ? logging : nestedLogging;
            maxAttempts = maxAttempts != null ? maxAttempts : nestedAttempts;
            defaults.done();
        }
        return new BackendPolicySpec(targetRef, logging, maxAttempts);
    }

    private static @Nullable LoggingPolicy logging(Obj parent) {
        final Obj logging = parent.obj("logging", false);
        if (logging == null) {
            return null;
        }
        final boolean enabled = logging.bool("enabled", false);
        final int sampleRate = logging.integer("sampleRate", 0, 1_000_000, 1_000_000);
        logging.done();
        return new LoggingPolicy(enabled, sampleRate);
    }

    /* ------------------------------------------------------------------------------------------ ConfigMap */

    /** A model name claimed by a body-based-routing ConfigMap, for the uniqueness check across ConfigMaps. */
    private record BbrModel(String model, YamlDocument doc, Node node, String field) {}

    private void configMap(Obj top, @Nullable Obj dataObj, ObjectMeta metadata, Map<String, String> data) {
        if (!"true".equals(metadata.labels().get(BBR_MANAGED_LABEL))) {
            return;
        }
        final String baseModel = data.get("baseModel");
        if (baseModel == null || baseModel.isEmpty()) {
            if (dataObj != null && dataObj.has("baseModel")) {
                top.doc().invalid(dataObj.value("baseModel"), "data.baseModel", "a model name");
            } else {
                top.doc().problem(dataObj != null ? dataObj.node : top.node, "data.baseModel",
                                  "missing (expected: the base model name of a ConfigMap labelled " +
                                  BBR_MANAGED_LABEL + ": \"true\")");
            }
        } else {
            bbrModels.add(new BbrModel(baseModel, top.doc(), dataObj.value("baseModel"), "data.baseModel"));
        }
        final String adapters = data.get("adapters");
        if (adapters != null) {
            final Node adaptersNode = dataObj.value("adapters");
            for (String adapter : adapterList(top.doc(), adaptersNode, adapters)) {
                bbrModels.add(new BbrModel(adapter, top.doc(), adaptersNode, "data.adapters"));
            }
        }
    }

    /** Parses {@code data.adapters}, a YAML list of model names inside a string, as upstream BBR does. */
    private static List<String> adapterList(YamlDocument doc, Node at, String text) {
        final String expected = "a YAML list of LoRA adapter names, such as \"- adapter-a\\n- adapter-b\"";
        final Node parsed;
        try {
            parsed = new Compose(LoadSettings.builder().setSchema(new CoreSchema()).build())
                    .composeString(text).orElse(null);
        } catch (YamlEngineException e) {
            doc.invalid(at, "data.adapters", expected, String.valueOf(e.getMessage()).lines().findFirst()
                                                             .orElse("not YAML"));
            return List.of();
        }
        if (parsed == null || YamlDocument.isNull(parsed)) {
            return List.of();
        }
        if (!(parsed instanceof SequenceNode seq)) {
            doc.invalid(at, "data.adapters", expected);
            return List.of();
        }
        final List<String> names = new ArrayList<>();
        for (Node item : seq.getValue()) {
            if (!(item instanceof ScalarNode scalar) || YamlDocument.isNull(item) || scalar.getValue().isEmpty()) {
                doc.invalid(at, "data.adapters", expected, "found " + YamlDocument.render(item));
                continue;
            }
            names.add(scalar.getValue());
        }
        return names;
    }

    /* ------------------------------------------------------------------------------------------ cross checks */

    /** Indexes the bound resources, reports duplicates, then runs every queued cross-resource check. */
    void crossCheck() {
        for (Bound b : bound) {
            final Resource<?> r = b.resource();
            final String key = r.metadata().namespace() + '/' + r.metadata().name();
            final Resource<?> first = index.computeIfAbsent(r.kind(), k -> new HashMap<>()).putIfAbsent(key, r);
            if (first != null && b.nameNode() != null) {
                b.doc().invalid(b.nameNode(), "metadata.name",
                                "a unique " + r.kind() + " name in namespace " + r.metadata().namespace(),
                                "already defined at " + first.location());
            }
        }
        crossChecks.forEach(Runnable::run);

        final Map<String, BbrModel> models = new HashMap<>();
        for (BbrModel m : bbrModels) {
            final BbrModel first = models.putIfAbsent(m.model(), m);
            if (first != null) {
                m.doc().invalid(m.node(), m.field(),
                                "model names unique across body-based-routing ConfigMaps",
                                m.model() + " is also named at " + first.doc().location(first.node()));
            }
        }
    }

    private String known(String kind, String namespace) {
        final List<String> names = index.getOrDefault(kind, Map.of()).keySet().stream()
                                        .filter(k -> k.startsWith(namespace + '/'))
                                        .map(k -> k.substring(namespace.length() + 1))
                                        .sorted().toList();
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    static boolean isIpAddress(String s) {
        if (IPV4.matcher(s).matches()) {
            return true;
        }
        // Only hex digits, ':' and '.', with a ':' and a hex or ':' first character: InetAddress then parses a
        // literal and never asks DNS.
        if (s.indexOf(':') < 0 || !IPV6_CHARS.matcher(s).matches() ||
            (Character.digit(s.charAt(0), 16) < 0 && s.charAt(0) != ':')) {
            return false;
        }
        try {
            InetAddress.getByName(s);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

}

package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sluice.config.Resources.BackendPolicySpec;
import dev.sluice.config.Resources.BackendRef;
import dev.sluice.config.Resources.ExtensionChainSpec;
import dev.sluice.config.Resources.ExtensionSpec;
import dev.sluice.config.Resources.GatewayAddress;
import dev.sluice.config.Resources.GatewaySpec;
import dev.sluice.config.Resources.HeaderMatch;
import dev.sluice.config.Resources.HttpRouteSpec;
import dev.sluice.config.Resources.InferencePoolSpec;
import dev.sluice.config.Resources.Listener;
import dev.sluice.config.Resources.LoggingPolicy;
import dev.sluice.config.Resources.ModelServerSpec;
import dev.sluice.config.Resources.PathMatch;
import dev.sluice.config.Resources.Resource;
import dev.sluice.config.Resources.RouteRule;
import dev.sluice.config.Resources.RouteTimeouts;

class ConfigLoaderTest {

    static final Set<String> SERVICES = Set.of("safety", "body-based-routing", "api-management");

    static final String POOL = """
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata:
              name: pool
            spec:
              selector:
                matchLabels: {app: x}
              targetPorts: [{number: 8000}]
            """;

    @TempDir
    Path dir;

    /* ------------------------------------------------------------------------------------ a valid config */

    @Test
    void bindsEveryKindOfTheFullExample() throws Exception {
        final Path full = resource("/config/full");
        final GatewayConfig config = ConfigLoader.load(full, SERVICES);

        assertThat(config.source()).isEqualTo(full);

        // Gateway, with defaults and TLS files resolved against the YAML file's folder.
        assertThat(config.gateways()).hasSize(1);
        final Resource<GatewaySpec> gateway = config.gateways().get(0);
        assertThat(gateway.apiVersion()).isEqualTo(Resources.GATEWAY_API);
        assertThat(gateway.kind()).isEqualTo("Gateway");
        assertThat(gateway.displayName()).isEqualTo("Gateway/inference-gateway");
        assertThat(gateway.metadata().namespace()).isEqualTo("default");
        assertThat(gateway.metadata().labels()).containsExactly(Map.entry("app.kubernetes.io/name", "sluice"));
        assertThat(gateway.location()).isEqualTo(new Resources.Location(full.resolve("00-gateway.yaml").toString(), 2));
        final GatewaySpec gw = gateway.spec();
        assertThat(gw.gatewayClassName()).isEqualTo("sluice");
        assertThat(gw.addresses()).containsExactly(new GatewayAddress("IPAddress", "127.0.0.1"),
                                                   new GatewayAddress("Hostname", "localhost"));
        assertThat(gw.listeners()).hasSize(2);
        assertThat(gw.listeners().get(0)).isEqualTo(new Listener("http", 8080, "HTTP", null, null));
        final Listener https = gw.listeners().get(1);
        assertThat(https.hostname()).isEqualTo("*.example.com");
        assertThat(https.tls().mode()).isEqualTo("Terminate");
        assertThat(Path.of(https.tls().certificateFile())).isAbsolute()
                                                          .isEqualTo(full.resolve("tls/cert.pem").toAbsolutePath());
        assertThat(Path.of(https.tls().privateKeyFile())).isEqualTo(full.resolve("tls/key.pem").toAbsolutePath());

        // InferencePools in both selector forms.
        assertThat(config.inferencePools()).extracting(r -> r.metadata().name())
                                           .containsExactly("vllm-gemma", "food-review");
        final InferencePoolSpec gemma = config.pool("vllm-gemma").orElseThrow().spec();
        assertThat(gemma.matchLabels()).containsExactly(Map.entry("app", "vllm-gemma"));
        assertThat(gemma.targetPorts()).containsExactly(8000, 8001);
        assertThat(gemma.appProtocol()).isEqualTo("http");
        assertThat(gemma.endpointPickerRef().name()).isEqualTo("gemma-epp");
        assertThat(gemma.endpointPickerRef().port()).isEqualTo(9002);
        assertThat(gemma.endpointPickerRef().failureMode()).isEqualTo("FailOpen");
        final InferencePoolSpec food = config.pool("default", "food-review").orElseThrow().spec();
        assertThat(food.matchLabels()).containsExactly(Map.entry("app", "food-review"));
        assertThat(food.appProtocol()).isEqualTo("kubernetes.io/h2c");
        assertThat(food.endpointPickerRef()).isNull();

        // ModelServers: one address, one simulated.
        assertThat(config.modelServers()).hasSize(2);
        final ModelServerSpec real = config.modelServers().get(0).spec();
        assertThat(real.address()).isEqualTo("127.0.0.27");
        assertThat(real.port()).isEqualTo(8000);
        assertThat(real.simulated()).isNull();
        final Resource<ModelServerSpec> sim = config.modelServers().get(1);
        assertThat(sim.metadata().labels()).containsEntry("app", "food-review");
        assertThat(sim.spec().address()).isNull();
        assertThat(sim.spec().simulated().model()).isEqualTo("food-review");
        assertThat(sim.spec().simulated().loraAdapters()).containsExactly("food-review-1", "food-review-2");
        assertThat(sim.spec().simulated().timeToFirstToken()).isEqualTo(Duration.ofMillis(50));
        assertThat(sim.spec().simulated().interTokenLatency()).isEqualTo(Duration.ZERO);
        assertThat(sim.spec().simulated().outputTokens()).isEqualTo(16);
        assertThat(sim.spec().simulated().seed()).isEqualTo(42L);

        // Objectives: priority and its default.
        assertThat(config.objective("critical").orElseThrow().spec().priority()).isEqualTo(10);
        final var bestEffort = config.objective("best-effort").orElseThrow().spec();
        assertThat(bestEffort.priority()).isZero();
        assertThat(bestEffort.poolRef().name()).isEqualTo("food-review");
        assertThat(bestEffort.poolRef().kind()).isEqualTo("InferencePool");
        assertThat(bestEffort.poolRef().group()).isNull();

        // Rewrites: weights and their default, a catch-all rule.
        final var rewrite = config.inferenceModelRewrites().get(0).spec();
        assertThat(rewrite.rules()).hasSize(2);
        assertThat(rewrite.rules().get(0).matches()).singleElement()
                                                    .satisfies(m -> assertThat(m.type()).isEqualTo("Exact"));
        assertThat(rewrite.rules().get(0).targets()).extracting(t -> t.weight()).containsExactly(90, 10);
        assertThat(rewrite.rules().get(1).matches()).isEmpty();
        assertThat(rewrite.rules().get(1).targets().get(0).weight()).isEqualTo(1);

        // HTTPRoute: defaults of matches and backendRefs, timeouts.
        final HttpRouteSpec route = config.httpRoutes().get(0).spec();
        assertThat(route.parentRefs()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("inference-gateway");
            assertThat(p.sectionName()).isEqualTo("http");
        });
        assertThat(route.hostnames()).containsExactly("api.example.com");
        assertThat(route.rules()).hasSize(3);
        final RouteRule first = route.rules().get(0);
        assertThat(first.name()).isEqualTo("gemma");
        assertThat(first.matches()).singleElement().satisfies(m -> {
            assertThat(m.path()).isEqualTo(new PathMatch("PathPrefix", "/"));
            assertThat(m.headers()).containsExactly(
                    new HeaderMatch("Exact", "X-Gateway-Model-Name", "google/gemma-3-1b-it"));
            assertThat(m.method()).isNull();
        });
        assertThat(first.backendRefs()).containsExactly(
                new BackendRef("inference.networking.k8s.io", "InferencePool", "vllm-gemma", null, 1));
        assertThat(first.backendRefs().get(0).isInferencePool()).isTrue();
        assertThat(first.timeouts()).isEqualTo(new RouteTimeouts(Duration.ofSeconds(90), Duration.ofSeconds(30)));
        final RouteRule second = route.rules().get(1);
        assertThat(second.name()).isNull();
        assertThat(second.matches().get(0).path())
                .isEqualTo(new PathMatch("RegularExpression", "^/v1/(chat/)?completions$"));
        assertThat(second.matches().get(0).method()).isEqualTo("POST");
        assertThat(second.backendRefs()).containsExactly(
                new BackendRef("inference.networking.x-k8s.io", "InferencePool", "food-review", null, 80),
                new BackendRef("", "Service", "localhost", 9000, 20));
        assertThat(second.timeouts()).isNull();
        assertThat(route.rules().get(2).matches()).isEmpty();

        // TrafficExtension: flattened CEL matchers and extension defaults.
        final var extension = config.trafficExtensions().get(0).spec();
        assertThat(extension.targetRefs()).singleElement()
                                          .satisfies(t -> assertThat(t.name()).isEqualTo("inference-gateway"));
        assertThat(extension.extensionChains()).hasSize(2);
        final ExtensionChainSpec screen = extension.extensionChains().get(0);
        assertThat(screen.celMatchers()).containsExactly("request.path.startsWith(\"/\")",
                                                         "request.headers[\"x-tenant\"] == \"a\"");
        assertThat(screen.extensions()).containsExactly(
                new ExtensionSpec("safety", "safety", List.of("RequestHeaders", "RequestBody", "ResponseBody"),
                                  Duration.ofMillis(500), true,
                                  Map.of("model_armor_settings",
                                         "[{\"model\": \"food-review\", \"user_prompt_template_id\": " +
                                         "\"projects/p/locations/l/templates/llm\"}]")),
                new ExtensionSpec("bbr", "body-based-routing", List.of("RequestBody"), Duration.ofSeconds(1),
                                  false, Map.of()));
        assertThat(extension.extensionChains().get(1).celMatchers()).isEmpty();

        // BackendPolicies in the GKE and the flat shape.
        final BackendPolicySpec gke = config.backendPolicies().get(0).spec();
        assertThat(gke.targetRef().group()).isEqualTo("inference.networking.x-k8s.io");
        assertThat(gke.targetRef().name()).isEqualTo("vllm-gemma");
        assertThat(gke.logging()).isEqualTo(new LoggingPolicy(true, 500_000));
        assertThat(gke.maxAttempts()).isNull();
        final BackendPolicySpec flat = config.backendPolicies().get(1).spec();
        assertThat(flat.logging()).isEqualTo(new LoggingPolicy(true, 1_000_000));
        assertThat(flat.maxAttempts()).isEqualTo(3);

        // ConfigMap: data kept as strings.
        assertThat(config.configMaps()).singleElement().satisfies(cm -> {
            assertThat(cm.spec().data()).containsEntry("baseModel", "food-review");
            assertThat(cm.spec().data().get("adapters")).isEqualTo("- food-review-1\n- food-review-2\n");
        });
    }

    @Test
    void loadsASingleFileAndSkipsEmptyDocuments() throws Exception {
        final Path file = write("pool.yaml", "---\n" + POOL + "---\n");
        final GatewayConfig config = ConfigLoader.load(file, SERVICES);
        assertThat(config.inferencePools()).singleElement()
                                           .satisfies(r -> assertThat(r.location().line()).isEqualTo(2));
        assertThat(config.gateways()).isEmpty();
    }

    @Test
    void simulatedServers_takeAProfileAndTimeCompression() throws Exception {
        write("sim.yaml", """
                apiVersion: sluice.dev/v1alpha1
                kind: ModelServer
                metadata: {name: a}
                spec:
                  simulated: {model: m, profile: llama-8b-h100, timeCompression: 10, kvCacheBlocks: 512, maxLoras: 2}
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: ModelServer
                metadata: {name: b}
                spec:
                  simulated: {model: m, profile: h200-fantasy}
                """);
        final ConfigException e = loadFails(dir);
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.toString()).startsWith(dir.resolve("sim.yaml") + ":11: ModelServer/b: " +
                                                "spec.simulated.profile: h200-fantasy (expected: one of [");
            assertThat(p.toString()).contains("llama-8b-h100");
        });
        Files.writeString(dir.resolve("sim.yaml"), Files.readString(dir.resolve("sim.yaml"))
                                                        .replace("h200-fantasy", "llama-8b-a10"));
        final var sims = ConfigLoader.load(dir, SERVICES).modelServers();
        assertThat(sims.get(0).spec().simulated()).satisfies(sim -> {
            assertThat(sim.profile()).isEqualTo("llama-8b-h100");
            assertThat(sim.timeCompression()).isEqualTo(10);
            assertThat(sim.kvCacheBlocks()).isEqualTo(512);
            assertThat(sim.maxLoras()).isEqualTo(2);
        });
    }

    @Test
    void rejectsABadMaxBodyAnnotation() throws Exception {
        write("gw.yaml", """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: gw
                  annotations: {sluice.dev/max-request-body-bytes: "8MB"}
                spec:
                  listeners: [{name: http, port: 8080, protocol: HTTP}]
                """);
        assertThat(loadFails(dir).problems()).singleElement().hasToString(
                dir.resolve("gw.yaml") + ":5: Gateway/gw: metadata.annotations.sluice.dev/max-request-body-bytes: " +
                "8MB (expected: a positive number of bytes)");
    }

    /* ------------------------------------------------------------------------------------ folders */

    @Test
    void readsAFolderInNameOrderSkippingDotFilesAndOtherEntries() throws Exception {
        write("b.yaml", pool("b"));
        write("a.yml", pool("a"));
        write("c.yaml", pool("c1") + "---\n" + pool("c2"));
        write(".hidden.yaml", "this: is not read");
        write("notes.txt", "neither is this");
        Files.createDirectories(dir.resolve("sub.yaml"));
        // A Kubernetes ConfigMap mount: the real files under ..<timestamp>, reached through ..data and a link.
        final Path real = Files.createDirectories(dir.resolve("..2026_01_01_00_00_00.000000001"));
        Files.writeString(real.resolve("d.yaml"), pool("d"));
        Files.createSymbolicLink(dir.resolve("..data"), real.getFileName());
        Files.createSymbolicLink(dir.resolve("d.yaml"), Path.of("..data/d.yaml"));

        final GatewayConfig config = ConfigLoader.load(dir, SERVICES);
        assertThat(config.inferencePools()).extracting(r -> r.metadata().name())
                                           .containsExactly("a", "b", "c1", "c2", "d");
        assertThat(config.inferencePools().get(3).location())
                .isEqualTo(new Resources.Location(dir.resolve("c.yaml").toString(), 10));
    }

    @Test
    void namesFilesByThePathAsGivenEvenWhenRelative() throws Exception {
        write("bad.yaml", POOL.replace("8000", "0"));
        final Path relative = Path.of("").toAbsolutePath().relativize(dir);
        assertThat(relative.isAbsolute()).isFalse();
        final ConfigException e = loadFails(relative);
        assertThat(e.problems()).singleElement().hasToString(
                relative.resolve("bad.yaml") + ":8: InferencePool/pool: spec.targetPorts[0].number: 0 " +
                "(expected: 1..65535)");
    }

    @Test
    void reportsAMissingPathAnEmptyFolderAndAnEmptyFile() throws Exception {
        assertThat(loadFails(dir.resolve("nope")).problems()).singleElement().hasToString(
                dir.resolve("nope") + ": does not exist (expected: a YAML file or a folder of YAML files)");
        assertThat(loadFails(dir).problems()).singleElement().hasToString(
                dir + ": no configuration (expected: *.yaml or *.yml files in this folder)");
        final Path empty = write("empty.yaml", "# nothing yet\n---\n");
        assertThat(loadFails(empty).problems()).singleElement().hasToString(
                empty + ": no resources (expected: at least one resource, such as a Gateway or an InferencePool)");
    }

    /* ------------------------------------------------------------------------------------ problems */

    @Test
    void unknownField() throws Exception {
        final String yaml = POOL + "---\n" + route("""
                    - kind: InferencePool
                      group: inference.networking.k8s.io
                      name: pool
                      wieght: 5
                """);
        assertSingleProblem(yaml, "wieght", "HTTPRoute/r", "spec.rules[0].backendRefs[0].wieght",
                            "unknown field (expected: one of group, kind, name, port, weight)");
    }

    @Test
    void unknownTopLevelFieldButStatusIsIgnored() throws Exception {
        final String yaml = POOL + "status: {parents: []}\nextra: 1\n";
        assertSingleProblem(yaml, "extra", "InferencePool/pool", "extra",
                            "unknown field (expected: one of kind, apiVersion, metadata, spec)");
    }

    @Test
    void badEnum() throws Exception {
        final String yaml = gateway("""
                  - name: web
                    port: 80
                    protocol: TCP
                """);
        assertSingleProblem(yaml, "TCP", "Gateway/gw", "spec.listeners[0].protocol",
                            "TCP (expected: one of HTTP, HTTPS)");
    }

    @Test
    void wrongTypeSaysToQuoteOrNot() throws Exception {
        assertSingleProblem(gateway("""
                  - name: web
                    port: "80"
                    protocol: HTTP
                """), "\"80\"", "Gateway/gw", "spec.listeners[0].port", "\"80\" (expected: an integer 1..65535)");
        assertSingleProblem(POOL.replace("name: pool", "name: pool\n  labels: {enabled: true}"), "enabled",
                            "InferencePool/pool", "metadata.labels.enabled",
                            "true (expected: a string; quote it to make it a string)");
    }

    @Test
    void weightOutOfRange() throws Exception {
        final String yaml = POOL + "---\n" + route("""
                    - kind: InferencePool
                      group: inference.networking.k8s.io
                      name: pool
                    - name: localhost
                      port: 9000
                      weight: -1
                """);
        assertSingleProblem(yaml, "weight: -1", "HTTPRoute/r", "spec.rules[0].backendRefs[1].weight",
                            "-1 (expected: 0..1000000)");
    }

    @Test
    void danglingPoolReferences() throws Exception {
        final String yaml = POOL + """
                ---
                apiVersion: inference.networking.x-k8s.io/v1alpha2
                kind: InferenceObjective
                metadata:
                  name: o
                spec:
                  poolRef:
                    name: nope
                ---
                """ + route("""
                    - kind: InferencePool
                      group: inference.networking.k8s.io
                      name: missing-pool
                """);
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).containsExactly(
                problem(yaml, "name: nope", "InferenceObjective/o", "spec.poolRef.name",
                        "nope (expected: the name of an InferencePool in namespace default; known: pool)"),
                problem(yaml, "name: missing-pool", "HTTPRoute/r", "spec.rules[0].backendRefs[0].name",
                        "missing-pool (expected: the name of an InferencePool in namespace default; " +
                        "known: pool)"));
    }

    @Test
    void referencesResolveWithinTheirNamespace() throws Exception {
        final String yaml = POOL.replace("name: pool", "name: pool\n  namespace: team-a") + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: BackendPolicy
                metadata:
                  name: p
                spec:
                  targetRef: {name: pool}
                """;
        assertSingleProblem(yaml, "targetRef", "BackendPolicy/p", "spec.targetRef.name",
                            "pool (expected: the name of an InferencePool in namespace default; known: none)");
    }

    @Test
    void badRegularExpressions() throws Exception {
        final String yaml = POOL + "---\n" + routeSpec("""
                  rules:
                  - matches:
                    - path: {type: RegularExpression, value: "/v1/("}
                      headers:
                      - {type: RegularExpression, name: x-a, value: "[a-"}
                    backendRefs: [{kind: InferencePool, group: inference.networking.k8s.io, name: pool}]
                """);
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactly(
                problem(yaml, "/v1/(", "HTTPRoute/r", "spec.rules[0].matches[0].path.value",
                        "\"/v1/(\" (expected: a Java regular expression; Unclosed group near index 5)").toString(),
                problem(yaml, "[a-", "HTTPRoute/r", "spec.rules[0].matches[0].headers[0].value",
                        "\"[a-\" (expected: a Java regular expression; Illegal character range near index 3)")
                        .toString());
    }

    @Test
    void pathsMustBeAbsolute() throws Exception {
        final String yaml = POOL + "---\n" + routeSpec("""
                  rules:
                  - matches:
                    - path: {value: v1}
                    backendRefs: [{kind: InferencePool, group: inference.networking.k8s.io, name: pool}]
                """);
        assertSingleProblem(yaml, "value: v1", "HTTPRoute/r", "spec.rules[0].matches[0].path.value",
                            "v1 (expected: a path starting with '/', at most 1024 characters)");
    }

    @Test
    void badCel() throws Exception {
        final String yaml = extension("request.path.startsWith(", "api-management");
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.location().line()).isEqualTo(lineOf(yaml, "celMatcher"));
            assertThat(p.resource()).isEqualTo("TrafficExtension/t");
            assertThat(p.field()).isEqualTo("spec.extensionChains[0].matchCondition.celExpressions[0].celMatcher");
            assertThat(p.message()).startsWith("\"request.path.startsWith(\" (expected: a boolean CEL expression " +
                                               "over request; ")
                                   .contains("column");
        });

        assertThat(loadFails(write("c.yaml", extension("request.path", "api-management"))).problems())
                .singleElement().satisfies(p -> assertThat(p.message()).isEqualTo(
                        "\"request.path\" (expected: a boolean CEL expression over request; " +
                        "the result type is dyn, not bool)"));
        assertThat(loadFails(write("c.yaml", extension("response.code == 200", "api-management"))).problems())
                .singleElement().satisfies(p -> assertThat(p.message()).contains("undeclared reference to 'response'"));
    }

    @Test
    void unknownExtensionService() throws Exception {
        final String yaml = extension("true", "model-armor");
        assertSingleProblem(yaml, "service:", "TrafficExtension/t",
                            "spec.extensionChains[0].extensions[0].service",
                            "model-armor (expected: a known extension service: one of api-management, " +
                            "body-based-routing, safety)");
    }

    @Test
    void repeatedAndUnknownEvents() throws Exception {
        final String yaml = extension("true", "api-management")
                .replace("supportedEvents: [RequestHeaders]",
                         "supportedEvents: [RequestHeaders, Requestbody, RequestHeaders]");
        final ConfigException e = loadFails(write("c.yaml", yaml));
        final String field = "spec.extensionChains[0].extensions[0].supportedEvents";
        assertThat(e.problems()).containsExactly(
                problem(yaml, "supportedEvents", "TrafficExtension/t", field + "[1]",
                        "Requestbody (expected: one of RequestHeaders, RequestBody, RequestTrailers, " +
                        "ResponseHeaders, ResponseBody, ResponseTrailers)"),
                problem(yaml, "supportedEvents", "TrafficExtension/t", field + "[2]",
                        "RequestHeaders (expected: each event once)"));
    }

    @Test
    void missingTlsFile() throws Exception {
        Files.writeString(dir.resolve("cert.pem"), "x");
        final String yaml = gateway("""
                  - name: web
                    port: 443
                    protocol: HTTPS
                    tls:
                      certificateFile: cert.pem
                      privateKeyFile: keys/missing.pem
                """);
        assertSingleProblem(yaml, "privateKeyFile", "Gateway/gw", "spec.listeners[0].tls.privateKeyFile",
                            "keys/missing.pem (expected: a PEM file, relative to this YAML file; " +
                            dir.resolve("keys/missing.pem") + " does not exist)");
    }

    @Test
    void httpsNeedsTls() throws Exception {
        final String yaml = gateway("""
                  - name: web
                    port: 443
                    protocol: HTTPS
                """);
        assertSingleProblem(yaml, "- name: web", "Gateway/gw", "spec.listeners[0].tls",
                            "missing (expected: certificateFile and privateKeyFile for an HTTPS listener)");
    }

    @Test
    void duplicateListenerPortsAndNames() throws Exception {
        final String yaml = gateway("""
                  - name: web
                    port: 80
                    protocol: HTTP
                  - name: web
                    port: 80
                    protocol: HTTP
                """);
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(ConfigProblem::message).containsExactly(
                "web (expected: a unique listener name in this Gateway; already used at line 7)",
                "80 (expected: a unique port in this Gateway; already used at line 8)");
        assertThat(e.problems()).extracting(p -> p.location().line()).containsExactly(10, 11);
    }

    @Test
    void duplicateResourceName() throws Exception {
        final String yaml = POOL + "---\n" + POOL;
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).singleElement().hasToString(
                dir.resolve("c.yaml") + ":13: InferencePool/pool: metadata.name: pool (expected: a unique " +
                "InferencePool name in namespace default; already defined at " + dir.resolve("c.yaml") + ":1)");
    }

    @Test
    void duplicateKey() throws Exception {
        final String yaml = POOL + "  appProtocol: http\n  appProtocol: http\n";
        assertSingleProblem(yaml, "  appProtocol: http\n  appProtocol", "InferencePool/pool", "spec.appProtocol",
                            "duplicate key (expected: each key once)", 1);
    }

    @Test
    void wrongApiVersionAndKind() throws Exception {
        final String yaml = gateway("""
                  - name: web
                    port: 80
                    protocol: HTTP
                """).replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1") + """
                ---
                apiVersion: networking.gke.io/v1
                kind: GCPTrafficExtension
                metadata:
                  name: ext
                spec: {}
                """;
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).containsExactly(
                problem(yaml, "apiVersion", "Gateway/gw", "apiVersion",
                        "gateway.networking.k8s.io/v1beta1 (expected: gateway.networking.k8s.io/v1 for kind " +
                        "Gateway)"),
                problem(yaml, "GCPTrafficExtension", "GCPTrafficExtension/ext", "kind",
                        "GCPTrafficExtension (expected: one of Gateway, HTTPRoute, InferencePool, " +
                        "InferenceObjective, InferenceModelRewrite, ModelServer, TrafficExtension, " +
                        "BackendPolicy, ConfigMap, ApiProduct, SafetyTemplate)"));
    }

    @Test
    void documentsThatAreNotResources() throws Exception {
        final String yaml = """
                - just
                - a list
                ---
                metadata: {name: x}
                spec: {}
                """;
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactly(
                dir.resolve("c.yaml") + ":1: a list (expected: a mapping)",
                dir.resolve("c.yaml") + ":4: kind: missing (expected: one of Gateway, HTTPRoute, InferencePool, " +
                "InferenceObjective, InferenceModelRewrite, ModelServer, TrafficExtension, BackendPolicy, " +
                "ConfigMap, ApiProduct, SafetyTemplate)",
                dir.resolve("c.yaml") + ":4: apiVersion: missing (expected: an API version such as " +
                "gateway.networking.k8s.io/v1)");
    }

    @Test
    void badDurations() throws Exception {
        final String yaml = POOL + "---\n" + route("""
                    - kind: InferencePool
                      group: inference.networking.k8s.io
                      name: pool
                    timeouts:
                      request: 1.5s
                      backendRequest: 0s
                """);
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).containsExactly(
                problem(yaml, "request: 1.5s", "HTTPRoute/r", "spec.rules[0].timeouts.request",
                        "1.5s (expected: a duration > 0 such as 500ms, 1s, 1m30s)"),
                problem(yaml, "backendRequest: 0s", "HTTPRoute/r", "spec.rules[0].timeouts.backendRequest",
                        "0s (expected: a duration > 0 such as 500ms, 1s, 1m30s)"));

        final String slow = extension("true", "api-management").replace("failOpen: false", "timeout: 2m");
        assertSingleProblem(slow, "timeout", "TrafficExtension/t", "spec.extensionChains[0].extensions[0].timeout",
                            "2m (expected: a duration > 0 and <= 1m such as 500ms, 1s, 1m30s)");
    }

    @Test
    void missingRequiredFieldsAndEmptyLists() throws Exception {
        final String yaml = """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: gw
                spec:
                  listeners:
                  - name: web
                    protocol: HTTP
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: r
                spec:
                  rules:
                  - backendRefs: []
                ---
                apiVersion: inference.networking.k8s.io/v1
                kind: InferencePool
                metadata: {}
                spec:
                  selector: {matchLabels: {}}
                  targetPorts: []
                """;
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(p -> p.location().line() + " " + p.resource() + " " + p.field() +
                                                 ": " + p.message()).containsExactly(
                "7 Gateway/gw spec.listeners[0].port: missing (expected: an integer 1..65535)",
                "16 HTTPRoute/r spec.rules[0].backendRefs: [] (expected: at least one backend)",
                "20 InferencePool metadata.name: missing (expected: a DNS-1123 subdomain: lower-case letters, " +
                "digits, '-' and '.', starting and ending alphanumeric)",
                "22 InferencePool spec.selector.matchLabels: 0 labels (expected: 1..64)",
                "23 InferencePool spec.targetPorts: [] (expected: 1..8 ports)");
    }

    @Test
    void badNamesAndHosts() throws Exception {
        final String yaml = POOL.replace("name: pool", "name: My_Pool") + "---\n" + """
                apiVersion: sluice.dev/v1alpha1
                kind: ModelServer
                metadata:
                  name: m
                spec:
                  address: "http://127.0.0.21:8000"
                """;
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(ConfigProblem::field, ConfigProblem::message).containsExactly(
                tuple(
                        "metadata.name", "My_Pool (expected: a DNS-1123 subdomain: lower-case letters, digits, " +
                                         "'-' and '.', starting and ending alphanumeric)"),
                tuple(
                        "spec.address", "\"http://127.0.0.21:8000\" (expected: a host name or an IP address)"));
    }

    @Test
    void modelServerNeedsExactlyOneOfAddressAndSimulated() throws Exception {
        final String both = """
                apiVersion: sluice.dev/v1alpha1
                kind: ModelServer
                metadata:
                  name: m
                spec:
                  address: localhost
                  port: 8000
                  simulated: {model: x, outputTokens: 0}
                """;
        final ConfigException e = loadFails(write("c.yaml", both));
        // Sorted by line: port is on line 7, simulated on line 8.
        assertThat(e.problems()).extracting(ConfigProblem::field, ConfigProblem::message).containsExactly(
                tuple("spec.port",
                                                    "set with simulated (expected: port only with address; a " +
                                                    "simulated server listens on an ephemeral port)"),
                tuple("spec.simulated.outputTokens",
                                                    "0 (expected: 1..2147483647)"),
                tuple("spec.simulated",
                                                    "set together with address (expected: exactly one of " +
                                                    "address, simulated)"));
        final String neither = both.substring(0, both.indexOf("spec:")) + "spec: {}\n";
        assertThat(loadFails(write("c.yaml", neither)).problems()).singleElement().satisfies(
                p -> assertThat(p.message()).isEqualTo(
                        "neither address nor simulated (expected: exactly one of address, simulated)"));
    }

    @Test
    void parentRefsMustNameAGatewayAndListener() throws Exception {
        final String yaml = POOL + "---\n" + gateway("""
                  - name: web
                    port: 80
                    protocol: HTTP
                """) + "---\n" + routeSpec("""
                  parentRefs:
                  - name: gw
                    sectionName: websocket
                  - name: other
                  rules:
                  - backendRefs: [{kind: InferencePool, group: inference.networking.k8s.io, name: pool}]
                """);
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).containsExactly(
                problem(yaml, "sectionName: websocket", "HTTPRoute/r", "spec.parentRefs[0].sectionName",
                        "websocket (expected: a listener of Gateway/gw; known: web)"),
                problem(yaml, "name: other", "HTTPRoute/r", "spec.parentRefs[1].name",
                        "other (expected: the name of a Gateway in namespace default; known: gw)"));
    }

    @Test
    void serviceBackendsNeedAPortAndPoolsTheirGroup() throws Exception {
        final String yaml = POOL + "---\n" + route("""
                    - name: localhost
                    - kind: InferencePool
                      name: pool
                """);
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(ConfigProblem::field, ConfigProblem::message).containsExactly(
                tuple("spec.rules[0].backendRefs[0].port",
                                                    "missing (expected: a port 1..65535 for kind Service)"),
                tuple("spec.rules[0].backendRefs[1].group",
                                                    "missing (expected: inference.networking.k8s.io for kind " +
                                                    "InferencePool)"));
    }

    @Test
    void bodyBasedRoutingConfigMaps() throws Exception {
        final String yaml = configMap("a", "base-a", "- lora-1\n    - shared") + "---\n" +
                            configMap("b", "base-b", "- shared") + "---\n" +
                            configMap("c", "base-c", "{not: a list}") + """
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: d
                  labels: {inference.networking.k8s.io/bbr-managed: "true"}
                data:
                  adapters: "- x"
                """;
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(p -> p.resource() + " " + p.field() + ": " + p.message())
                                .containsExactly(
                "ConfigMap/b data.adapters: \"- shared\\n\" (expected: model names unique across " +
                "body-based-routing ConfigMaps; shared is also named at " + dir.resolve("c.yaml") + ":8)",
                "ConfigMap/c data.adapters: \"{not: a list}\\n\" (expected: a YAML list of LoRA adapter names, " +
                "such as \"- adapter-a\\n- adapter-b\")",
                "ConfigMap/d data.baseModel: missing (expected: the base model name of a ConfigMap labelled " +
                "inference.networking.k8s.io/bbr-managed: \"true\")");
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() throws Exception {
        final String yaml = POOL + "---\nkind: a: b\n";
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.location().file()).isEqualTo(dir.resolve("c.yaml").toString());
            assertThat(p.location().line()).isEqualTo(10);
            assertThat(p.resource()).isNull();
            assertThat(p.message()).isEqualTo("invalid YAML: mapping values are not allowed here");
        });
    }

    @Test
    void reportsEveryProblemAcrossFilesInOrder() throws Exception {
        write("1-gateway.yaml", gateway("""
                  - name: web
                    port: 99999
                    protocol: http
                """));
        write("2-pool.yaml", POOL.replace("{number: 8000}", "{number: 8000}, {number: 8000}") +
                             "  appProtocol: grpc\n");
        final ConfigException e = loadFails(dir);
        assertThat(e.getMessage().lines()).containsExactly(
                dir.resolve("1-gateway.yaml") + ":8: Gateway/gw: spec.listeners[0].port: 99999 (expected: 1..65535)",
                dir.resolve("1-gateway.yaml") + ":9: Gateway/gw: spec.listeners[0].protocol: http (expected: one " +
                "of HTTP, HTTPS)",
                dir.resolve("2-pool.yaml") + ":8: InferencePool/pool: spec.targetPorts[1].number: 8000 " +
                "(expected: a unique port in this pool; already used at line 8)",
                dir.resolve("2-pool.yaml") + ":9: InferencePool/pool: spec.appProtocol: grpc (expected: one of " +
                "http, kubernetes.io/h2c)");
        assertThat(e.problems()).hasSize(4);
    }

    @Test
    void backendPolicyShapesCannotBeMixed() throws Exception {
        final String yaml = POOL + """
                ---
                apiVersion: sluice.dev/v1alpha1
                kind: BackendPolicy
                metadata:
                  name: p
                spec:
                  targetRef: {name: pool, kind: Service}
                  default:
                    logging: {enabled: true, sampleRate: 2000000}
                  logging: {enabled: false}
                """;
        final ConfigException e = loadFails(write("c.yaml", yaml));
        assertThat(e.problems()).extracting(ConfigProblem::field, ConfigProblem::message).containsExactly(
                tuple("spec.targetRef.kind",
                                                    "Service (expected: one of InferencePool)"),
                tuple("spec.default.logging.sampleRate",
                                                    "2000000 (expected: 0..1000000)"),
                tuple("spec.logging",
                                                    "set both here and in spec.default (expected: one of them)"));
    }

    /* ------------------------------------------------------------------------------------ helpers */

    private static String pool(String name) {
        return POOL.replace("name: pool", "name: " + name);
    }

    private static String gateway(String listeners) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata:
                  name: gw
                spec:
                  listeners:
                """ + listeners;
    }

    /** An HTTPRoute named r with one rule whose backendRefs are given (indented by four spaces). */
    private static String route(String backendRefs) {
        return routeSpec("  rules:\n  - backendRefs:\n" + backendRefs);
    }

    /** An HTTPRoute named r whose spec is given (indented by two spaces). */
    private static String routeSpec(String spec) {
        return """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata:
                  name: r
                spec:
                """ + spec;
    }

    private static String extension(String cel, String service) {
        return """
                apiVersion: sluice.dev/v1alpha1
                kind: TrafficExtension
                metadata:
                  name: t
                spec:
                  targetRefs: [{name: gw}]
                  extensionChains:
                  - name: c
                    matchCondition:
                      celExpressions:
                      - celMatcher: '%s'
                    extensions:
                    - name: e
                      service: %s
                      supportedEvents: [RequestHeaders]
                      failOpen: false
                """.formatted(cel, service);
    }

    private static String configMap(String name, String baseModel, String adapters) {
        return """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: %s
                  labels: {inference.networking.k8s.io/bbr-managed: "true"}
                data:
                  baseModel: %s
                  adapters: |
                    %s
                """.formatted(name, baseModel, adapters);
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static ConfigException loadFails(Path path) {
        final Throwable thrown = catchThrowable(
                () -> ConfigLoader.load(path, SERVICES));
        assertThat(thrown).isInstanceOf(ConfigException.class);
        return (ConfigException) thrown;
    }

    private void assertSingleProblem(String yaml, String marker, String resource, String field, String message)
            throws IOException {
        assertSingleProblem(yaml, marker, resource, field, message, 0);
    }

    /** Asserts that {@code yaml} fails with one problem, on the line {@code lineOffset} below {@code marker}. */
    private void assertSingleProblem(String yaml, String marker, String resource, String field, String message,
                                     int lineOffset) throws IOException {
        final ConfigException e = loadFails(write("c.yaml", yaml));
        final ConfigProblem expected = problem(yaml, marker, resource, field, message);
        final ConfigProblem shifted = new ConfigProblem(
                new Resources.Location(expected.location().file(), expected.location().line() + lineOffset),
                resource, field, message);
        assertThat(e.problems()).containsExactly(shifted);
        assertThat(e.getMessage()).isEqualTo(shifted.toString());
    }

    private ConfigProblem problem(String yaml, String marker, String resource, String field, String message) {
        return new ConfigProblem(new Resources.Location(dir.resolve("c.yaml").toString(), lineOf(yaml, marker)),
                                 resource, field, message);
    }

    /** Returns the 1-based line on which {@code marker} first appears in {@code text}. */
    static int lineOf(String text, String marker) {
        final int index = text.indexOf(marker);
        assertThat(index).as("marker %s", marker).isNotNegative();
        return (int) text.substring(0, index).chars().filter(c -> c == '\n').count() + 1;
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ConfigLoaderTest.class.getResource(name).toURI());
    }

    @Test
    void problemToStringLeavesOutUnknownParts() {
        assertThat(new ConfigProblem(new Resources.Location("a.yaml", 3), null, null, "invalid YAML: x"))
                .hasToString("a.yaml:3: invalid YAML: x");
        assertThat(new ConfigProblem(new Resources.Location("a.yaml", 0), "Gateway/g", "spec", "m"))
                .hasToString("a.yaml: Gateway/g: spec: m");
        assertThatThrownBy(() -> new ConfigException(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}

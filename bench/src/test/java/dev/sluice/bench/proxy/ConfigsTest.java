package dev.sluice.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

class ConfigsTest {

    private static final Path DIR = Path.of("/tmp/sluice-bench-x/backend");

    @Test
    void backendAnswersEveryPathWithTheFixedCompletion() {
        String conf = Configs.nginxBackend(DIR, 41000);

        assertThat(conf).contains("daemon off;", "master_process on;", "worker_processes 1;",
                "pid /tmp/sluice-bench-x/backend/nginx.pid;", "error_log /tmp/sluice-bench-x/backend/error.log warn;",
                "access_log off;", "listen 127.0.0.1:41000;", "default_type application/json;",
                "location / {", "return 200 '" + Configs.COMPLETION_JSON + "';", "keepalive_requests 1000000;");
        assertThat(conf).contains("client_body_temp_path /tmp/sluice-bench-x/backend/client_body_temp;",
                "scgi_temp_path /tmp/sluice-bench-x/backend/scgi_temp;");
        assertThat(conf).doesNotContain("/var/");
    }

    @Test
    void completionIsAValidOpenAiCompletionThatNginxCanQuote() {
        JsonNode completion = JsonMapper.builder().build().readTree(Configs.COMPLETION_JSON);

        assertThat(Configs.COMPLETION_JSON).doesNotContain("'");
        assertThat(completion.get("object").asString()).isEqualTo("text_completion");
        assertThat(completion.get("choices").get(0).get("text").asString()).isEqualTo("Hi!");
        assertThat(JsonMapper.builder().build().readTree(Configs.REQUEST_JSON).get("model").asString())
                .isEqualTo("bench-model");
    }

    @Test
    void nginxProxyKeepsUpstreamConnectionsAlive() {
        String conf = Configs.nginxProxy(DIR, 41001, 41000);

        assertThat(conf).contains("listen 127.0.0.1:41001;", "server 127.0.0.1:41000;", "keepalive 64;",
                "proxy_pass http://backend;", "proxy_http_version 1.1;", "proxy_set_header Connection \"\";",
                "worker_processes 1;", "access_log off;");
    }

    @Test
    void haproxyIsSingleThreadedReusingAndSilent() {
        String conf = Configs.haproxy(41002, 41000);

        assertThat(conf).contains("nbthread 1", "mode http", "http-reuse always", "timeout connect",
                "timeout client", "timeout server", "bind 127.0.0.1:41002", "server backend 127.0.0.1:41000");
        assertThat(conf.lines().map(String::trim)).noneMatch(l -> l.startsWith("log"));
    }

    @Test
    void sluiceConfigIsAGatewayAndARouteOnTheModelHeader() {
        List<JsonNode> docs = YAMLMapper.builder().build().readValues(
                YAMLMapper.builder().build().createParser(Configs.sluiceGateway(41003, 41000)), JsonNode.class)
                .readAll();

        assertThat(docs).hasSize(2);
        JsonNode gateway = docs.get(0);
        assertThat(gateway.get("kind").asString()).isEqualTo("Gateway");
        assertThat(gateway.at("/spec/addresses/0/value").asString()).isEqualTo("127.0.0.1");
        assertThat(gateway.at("/spec/listeners/0/port").asInt()).isEqualTo(41003);
        JsonNode route = docs.get(1);
        assertThat(route.get("kind").asString()).isEqualTo("HTTPRoute");
        assertThat(route.at("/spec/parentRefs/0/name").asString()).isEqualTo("bench");
        assertThat(route.at("/spec/rules/0/matches/0/path/value").asString()).isEqualTo("/v1/");
        assertThat(route.at("/spec/rules/0/matches/0/headers/0/name").asString()).isEqualTo("X-Gateway-Model-Name");
        assertThat(route.at("/spec/rules/0/matches/0/headers/0/value").asString()).isEqualTo("bench-model");
        assertThat(route.at("/spec/rules/0/backendRefs/0/name").asString()).isEqualTo("127.0.0.1");
        assertThat(route.at("/spec/rules/0/backendRefs/0/port").asInt()).isEqualTo(41000);
    }

    @Test
    void wrkScriptPostsTheRequestBodyAsJson() {
        assertThat(Configs.wrkScript()).contains("wrk.method = \"POST\"", "wrk.body = '" + Configs.REQUEST_JSON + "'",
                "wrk.headers[\"Content-Type\"] = \"application/json\"");
    }

    @Test
    void sluiceCommandLineAndDefaultJvmOptions() {
        Arms.SluiceLaunch launch = new Arms.SluiceLaunch(Path.of("/jdk/bin/java"),
                Arms.SluiceLaunch.defaultJavaOptions(25), Path.of("/repo/gateway/target/g-all.jar"));

        assertThat(launch.command(Path.of("/tmp/b/sluice"), 41004)).containsExactly("/jdk/bin/java",
                "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC",
                "-jar", "/repo/gateway/target/g-all.jar", "serve", "--config", "/tmp/b/sluice", "--admin-port",
                "41004");
        // JDK 21 and 22 reject the unsafe-memory-access flag outright.
        assertThat(Arms.SluiceLaunch.defaultJavaOptions(21)).containsExactly("--enable-native-access=ALL-UNNAMED",
                "-XX:+UseParallelGC");
    }
}

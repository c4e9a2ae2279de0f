package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.logging.RequestLog;

import dev.sluice.extension.ExtensionRegistry;

/** Listeners from Gateway resources: HTTP/1.1 and h2c on one port, TLS from PEM files, and the admin port. */
class ListenersTest {

    @TempDir
    Path dir;

    static final String COMPLETION = "{\"model\":\"google/gemma-3-1b-it\",\"prompt\":\"x\",\"max_tokens\":2}";

    private static AggregatedHttpResponse post(WebClient client) {
        return client.execute(RequestHeaders.of(HttpMethod.POST, "/v1/completions", "content-type", MediaType.JSON),
                              COMPLETION).aggregate().join();
    }

    @Test
    void http1AndH2cOnTheSamePort_andAdminHealth() throws Exception {
        try (TestGateway gw = TestGateway.start(dir)) {
            final String base = "127.0.0.1:" + gw.server().port();
            for (SessionProtocol p : List.of(SessionProtocol.H1C, SessionProtocol.H2C)) {
                final WebClient client = WebClient.builder(p.uriText() + "://" + base).build();
                try (var captor = com.linecorp.armeria.client.Clients.newContextCaptor()) {
                    final AggregatedHttpResponse r = post(client);
                    assertThat(r.status()).isEqualTo(HttpStatus.OK);
                    final RequestLog log = captor.get().log().whenComplete().join();
                    assertThat(log.sessionProtocol()).isEqualTo(p);
                }
            }
            final WebClient admin = WebClient.of("http://127.0.0.1:" + gw.server().adminPort());
            assertThat(admin.get("/healthz").aggregate().join().status()).isEqualTo(HttpStatus.OK);
            org.awaitility.Awaitility.await().until(
                    () -> admin.get("/readyz").aggregate().join().status() == HttpStatus.OK);
        }
    }

    @Test
    void readiness_needsALiveEndpoint() throws Exception {
        try (TestGateway gw = TestGateway.start(dir)) {
            final WebClient admin = WebClient.of("http://127.0.0.1:" + gw.server().adminPort());
            org.awaitility.Awaitility.await().until(
                    () -> admin.get("/readyz").aggregate().join().status() == HttpStatus.OK);
            for (String s : List.of("llama-0", "llama-1", "gemma-0")) {
                gw.sim(s).faults().refuseConnections(true);
            }
            org.awaitility.Awaitility.await().until(
                    () -> admin.get("/readyz").aggregate().join().status() == HttpStatus.SERVICE_UNAVAILABLE);
            gw.sim("gemma-0").faults().refuseConnections(false);
            org.awaitility.Awaitility.await().until(
                    () -> admin.get("/readyz").aggregate().join().status() == HttpStatus.OK);
        }
    }

    @Test
    void tlsFromPemFiles() throws Exception {
        final Path cert = dir.resolve("cert.pem");
        final Path key = dir.resolve("key.pem");
        final Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                             "-keyout", key.toString(), "-out", cert.toString(), "-days", "1",
                                             "-subj", "/CN=localhost").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        final String yaml = TestGateway.TWO_POOLS.replace(
                "listeners: [{name: http, port: ${PORT}, protocol: HTTP}]",
                "listeners: [{name: https, port: ${PORT}, protocol: HTTPS, " +
                "tls: {certificateFile: cert.pem, privateKeyFile: key.pem}}]");
        try (TestGateway gw = TestGateway.start(dir, yaml, new ExtensionRegistry());
             ClientFactory insecure = ClientFactory.builder().tlsNoVerify().build()) {
            final WebClient client = WebClient.builder("https://127.0.0.1:" + gw.server().port())
                                              .factory(insecure).build();
            final AggregatedHttpResponse r = post(client);
            assertThat(r.status()).isEqualTo(HttpStatus.OK);
            assertThat(r.contentUtf8()).contains("text_completion");
        }
    }

    @Test
    void adminServicesAreMountedUnderTheirPrefix() throws Exception {
        try (TestGateway gw = TestGateway.start(
                dir, TestGateway.TWO_POOLS, new ExtensionRegistry(),
                o -> o.adminService("/admin/things", (ctx, req) -> HttpResponse.of("served " + ctx.path())))) {
            final WebClient admin = WebClient.of("http://127.0.0.1:" + gw.server().adminPort());
            assertThat(admin.get("/admin/things/a").aggregate().join().contentUtf8()).isEqualTo("served /admin/things/a");
            assertThat(admin.get("/admin/other").aggregate().join().status()).isEqualTo(HttpStatus.NOT_FOUND);
            assertThat(admin.get("/healthz").aggregate().join().status()).isEqualTo(HttpStatus.OK);
        }
    }
}
